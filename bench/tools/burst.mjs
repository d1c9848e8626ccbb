// Fires exactly N requests at once (one socket each) and waits for all of them.
// Usage: node burst.mjs URL N  -> JSON: {totalMs, ok, errors, statuses, latencyMs: [...], invocationIds: [...]}
import http from 'node:http';

const [url, n] = [process.argv[2], Number(process.argv[3] ?? 200)];
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

function one() {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: Number(process.env.REQUEST_TIMEOUT_MS ?? 30_000) }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - start,
        id: res.headers['x-aloft-invocation-id'] }));
    });
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - start, error: e.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

const start = performance.now();
const results = await Promise.all(Array.from({ length: n }, one));
const totalMs = performance.now() - start;
const statuses = {};
for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
console.log(JSON.stringify({
  totalMs, ok: results.filter((r) => r.status === 200).length,
  errors: results.filter((r) => r.status !== 200).length, statuses,
  latencyMs: results.map((r) => r.ms), invocationIds: results.map((r) => r.id).filter(Boolean),
}));
