// Node baseline: a fresh process that starts and answers one HTTP request by itself.
require('http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"message":"hello"}');
}).listen(Number(process.argv[2]), '127.0.0.1');
