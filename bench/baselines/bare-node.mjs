// The limit for warm throughput: the same handler called in-process by a bare node:http server,
// with a minimal API Gateway v2-shaped event per request. No sandbox, no Runtime API hop.
// Usage: node bare-node.mjs PORT
import http from 'node:http';
import { handler } from '../functions/hello-node/index.mjs';

const port = Number(process.argv[2] ?? 18182);

http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const event = {
    version: '2.0',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: req.headers,
    requestContext: { http: { method: req.method, path: url.pathname } },
    isBase64Encoded: false,
  };
  const result = await handler(event, { awsRequestId: 'bare' });
  res.writeHead(result.statusCode, result.headers);
  res.end(result.body);
}).listen(port, '127.0.0.1', () => console.log(`bare node listening on ${port}`));
