// CPU a runtime client (bootstrap) spends per warm invocation, measured alone: this script plays
// the Runtime API (node:http, keep-alive, pipelining), serves one client the same function URL event
// Aloft sends, and reads the client's utime+stime from /proc. For A/B runs of a change to a client.
// Usage: node runtime-client-cpu.mjs nodejs|python3|java25 [CHECKOUT]   -> one line: us CPU per invocation
// (CHECKOUT: the Aloft checkout whose client to run, default this one; java25 needs its ./mvnw package).
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const JAVA = '/usr/lib/jvm/temurin-25-jdk-amd64/bin/java';
// Each client as the server starts it (RuntimeCommands), given the checkout it comes from.
const CLIENTS = {
  nodejs: (root) => ({ argv: ['node', path.join(root, 'runtimes/nodejs/bootstrap.mjs')],
    taskRoot: 'bench/functions/hello-node', handler: 'index.handler' }),
  python3: (root) => ({ argv: ['/usr/bin/python3', path.join(root, 'runtimes/python/bootstrap.py')],
    taskRoot: 'bench/functions/hello-python', handler: 'app.handler' }),
  // hello-java.jar is the one jar at the top of its target directory, as a function's jar would be.
  java25: (root) => ({ argv: [JAVA, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss512k', '-Xmx179m', '-XX:-UsePerfData',
    '--enable-native-access=ALL-UNNAMED', '--add-opens', 'java.base/java.util=ALL-UNNAMED',
    '-cp', path.join(root, 'aloft-runtime-java/target/lib/*'), 'dev.aloft.runtime.Bootstrap'],
    taskRoot: 'examples/hello-java/target', handler: 'example.Hello::handleRequest' }),
};
const WARM_UP = 20_000;
const MEASURED = 40_000;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const checkout = path.resolve(process.argv[3] ?? ROOT);
const client = CLIENTS[process.argv[2]]?.(checkout)
  ?? (console.error('usage: runtime-client-cpu.mjs nodejs|python3|java25 [CHECKOUT]'), process.exit(2));
// What Aloft sent for `curl /fn/hello` (a function URL event), with the same Runtime API headers.
const event = Buffer.from(JSON.stringify({
  version: '2.0', routeKey: '$default', rawPath: '/', rawQueryString: '',
  headers: { accept: '*/*', host: '127.0.0.1:18181', 'user-agent': 'wrk' },
  requestContext: {
    accountId: 'anonymous', apiId: 'hello', domainName: '127.0.0.1:18181', domainPrefix: 'hello',
    http: { method: 'GET', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'wrk' },
    requestId: '199c7f8b-b65a-4dd0-9160-ba6f2b7c1ecd', routeKey: '$default', stage: '$default',
    time: '27/Nov/2026:14:40:56 +0000', timeEpoch: 1795790456937,
  },
  isBase64Encoded: false,
}));

let served = 0;
let child;
let start;
const cpuTicks = () => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'latin1').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
};

const server = http.createServer((req, res) => {
  if (req.method !== 'GET') {
    req.resume();
    req.on('end', () => res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}'));
    return;
  }
  served++;
  if (served === WARM_UP) start = { ticks: cpuTicks(), ms: Date.now() };
  if (served === WARM_UP + MEASURED) {
    const micros = ((cpuTicks() - start.ticks) * 10_000) / MEASURED;
    const rate = (MEASURED * 1000) / (Date.now() - start.ms);
    console.log(`${process.argv[2]} from ${checkout}: ${micros.toFixed(1)} us CPU per invocation (${rate.toFixed(0)} invocations/s)`);
    child.kill('SIGKILL');
    process.exit(0);
  }
  res.writeHead(200, {
    'Lambda-Runtime-Aws-Request-Id': `8f0c1d2e-0000-7000-8000-${String(served).padStart(12, '0')}`,
    'Lambda-Runtime-Deadline-Ms': String(Date.now() + 30_000),
    'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:local:000000000000:function:hello',
    'Lambda-Runtime-Trace-Id': 'Root=1-00000000-000000000000000000000000;Sampled=0',
    'Content-Type': 'application/json',
    'Content-Length': event.length,
  }).end(event);
});

server.listen(0, '127.0.0.1', () => {
  child = spawn(client.argv[0], client.argv.slice(1), {
    stdio: ['ignore', 'ignore', 'inherit'], // hello-java logs a line per invocation
    env: {
      ...process.env,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.address().port}/secret`,
      _HANDLER: client.handler,
      LAMBDA_TASK_ROOT: path.join(ROOT, client.taskRoot),
      AWS_LAMBDA_FUNCTION_NAME: 'hello',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    },
  });
  child.on('exit', (code) => {
    console.error(`the client exited (${code}) after ${served} invocations`);
    process.exit(1);
  });
});
