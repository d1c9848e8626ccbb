// Deploys COUNT copies of one function through the native API, PARALLEL at a time over keep-alive
// connections. Usage: node deploy-many.mjs URL TOKEN BODY_JSON_FILE PREFIX COUNT PARALLEL
// A failed PUT is retried once (counted in "retried"), so a transient server error is visible
// without leaving holes. Prints {"deployed", "failed", "retried", "seconds", "firstError"}.
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [url, token, bodyFile, prefix, count, parallel] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(parallel) });
let next = 0, deployed = 0, failed = 0, retried = 0, firstError;

function put(name) {
  return new Promise((resolve) => {
    const req = http.request(`${url}/api/v1/functions/${name}`, {
      method: 'PUT', agent, timeout: 60_000,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(res.statusCode < 300 ? null : `${res.statusCode} ${text}`));
    });
    req.on('error', (e) => resolve(e.message));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

async function worker() {
  while (next < Number(count)) {
    const name = `${prefix}${String(next++).padStart(5, '0')}`;
    let error = await put(name);
    if (error) {
      firstError ??= `${name}: ${error}`;
      retried++;
      error = await put(name);
    }
    if (error) { failed++; } else { deployed++; }
  }
}

const start = performance.now();
await Promise.all(Array.from({ length: Number(parallel) }, worker));
console.log(JSON.stringify({ deployed, failed, retried, seconds: (performance.now() - start) / 1000, firstError }));
