// Runtime client for Node.js functions: loads the handler named by _HANDLER from LAMBDA_TASK_ROOT,
// then serves invocations from the Lambda Runtime API (2018-06-01) until the platform stops it.
// Dependency-free and eager about nothing but the handler, because its startup is the cold start.
import net from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;
// The API address may carry a path prefix (host:port/secret): everything after the first slash
// goes in front of every request path.
const [API_HOST_PORT, ...prefixParts] = env.AWS_LAMBDA_RUNTIME_API.split('/');
const API_PREFIX = prefixParts.length ? `/${prefixParts.join('/')}` : '';
const RUNTIME_PATH = `${API_PREFIX}/2018-06-01/runtime`;

// A failure of the runtime's own making; its stack is the user code's (cause), not ours.
class RuntimeError extends Error {
  constructor(type, message, cause) {
    super(message);
    this.name = type;
    this.stack = cause?.stack ?? '';
  }
}

/**
 * HTTP/1.1 over one kept-alive socket: all a runtime client needs. node:http costs ~4x the CPU per
 * exchange (measured: 343 vs 88 us for a next/response pair), and on a busy node that CPU is the
 * warm path's latency. Requests made in the same tick go out in one write and are answered in
 * order (pipelining), so an invocation's result and the request for the next one cost one write
 * and one wake-up of the server, not two.
 */
class RuntimeConnection {
  #socket = null;
  #buffer = Buffer.alloc(0);
  #pending = []; // requests sent and not yet answered, oldest first

  request(method, path, body, headers = {}) {
    return this.#send(method, path, body, headers, true);
  }

  #send(method, path, body, headers, mayRetry) {
    const reused = this.#socket !== null;
    const socket = this.#socket ?? this.#connect();
    const payload = body === undefined ? null : Buffer.from(body, 'utf8');
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${API_HOST_PORT}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    head += payload ? `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n` : '\r\n';
    return new Promise((resolve, reject) => {
      this.#pending.push({
        resolve,
        reject: (err) => {
          // The server may close an idle kept-alive socket just as we reuse it; that request never
          // reached it, so sending it once more on a new socket is safe.
          if (reused && mayRetry && (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'CLOSED')) {
            resolve(this.#send(method, path, body, headers, false));
          } else {
            reject(err);
          }
        },
      });
      if (!socket.writableCorked) {
        socket.cork();
        process.nextTick(() => socket.uncork());
      }
      socket.write(payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : head);
    });
  }

  #connect() {
    const colon = API_HOST_PORT.lastIndexOf(':');
    const socket = net.createConnection({ host: API_HOST_PORT.slice(0, colon), port: Number(API_HOST_PORT.slice(colon + 1)), noDelay: true });
    socket.on('data', (chunk) => {
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
      this.#parse();
    });
    const drop = (err) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#buffer = Buffer.alloc(0);
      const pending = this.#pending;
      this.#pending = [];
      for (const request of pending) request.reject(err);
    };
    socket.on('error', drop);
    socket.on('close', () => drop(Object.assign(new Error('Runtime API closed the connection'), { code: 'CLOSED' })));
    this.#socket = socket;
    return socket;
  }

  // Answers the oldest pending requests from the responses complete in the buffer.
  #parse() {
    while (this.#pending.length) {
      const buffer = this.#buffer;
      const headEnd = buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const lines = buffer.toString('latin1', 0, headEnd).split('\r\n');
      const headers = {};
      for (let i = 1; i < lines.length; i++) {
        const colon = lines[i].indexOf(':');
        headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
      }
      const body = headers['transfer-encoding'] === 'chunked'
        ? dechunk(buffer, headEnd + 4)
        : { end: headEnd + 4 + Number(headers['content-length'] ?? 0) };
      if (!body || buffer.length < body.end) return;
      const bytes = body.bytes ?? buffer.subarray(headEnd + 4, body.end);
      this.#buffer = buffer.subarray(body.end);
      this.#pending.shift().resolve({ status: Number(lines[0].split(' ')[1]), headers, body: bytes.toString('utf8') });
    }
  }
}

// A chunked body starting at offset: its bytes and where it ends, or null while incomplete.
function dechunk(buffer, offset) {
  const parts = [];
  for (let at = offset; ;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
    if (size === 0) {
      const end = buffer.indexOf('\r\n\r\n', lineEnd - 2);
      return end < 0 ? null : { bytes: Buffer.concat(parts), end: end + 4 };
    }
    if (buffer.length < lineEnd + 2 + size + 2) return null;
    parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

const runtimeApi = new RuntimeConnection();
let current = null; // the invocation being handled: { requestId, reported }

const TRACE_ENV = '_X_AMZN_TRACE_ID';
let traceId; // the current invocation's X-Ray trace header, which Lambda exposes as process.env[TRACE_ENV]

/**
 * process.env with TRACE_ENV held in JS. Assigning it to the real process.env calls setenv(3), and
 * glibc keeps every value setenv was ever given, so a new id per invocation leaked ~166 bytes
 * (measured: 166 MB per million invocations, an OOM kill for a small function that stays warm).
 * Child processes spawned with the default environment still get it: node builds their
 * environment from process.env.
 */
function environmentWithTraceId(nativeEnv) {
  const isTrace = (key) => key === TRACE_ENV;
  return new Proxy(nativeEnv, {
    get: (target, key) => (isTrace(key) ? traceId : Reflect.get(target, key)),
    has: (target, key) => (isTrace(key) ? traceId !== undefined : Reflect.has(target, key)),
    set: (target, key, value) => {
      if (!isTrace(key)) return Reflect.set(target, key, value);
      traceId = String(value);
      return true;
    },
    deleteProperty: (target, key) => {
      if (!isTrace(key)) return Reflect.deleteProperty(target, key);
      traceId = undefined;
      return true;
    },
    ownKeys: (target) => {
      const keys = Reflect.ownKeys(target);
      return traceId === undefined ? keys : [...keys, TRACE_ENV];
    },
    getOwnPropertyDescriptor: (target, key) => {
      if (!isTrace(key)) return Reflect.getOwnPropertyDescriptor(target, key);
      return traceId === undefined ? undefined : { value: traceId, writable: true, enumerable: true, configurable: true };
    },
  });
}

// Same shape as Lambda's, so clients that parse Lambda errors understand ours.
function errorResponse(err) {
  if (err instanceof Error || (err && typeof err.message === 'string' && typeof err.name === 'string')) {
    return {
      errorType: String(err.name),
      errorMessage: String(err.message),
      stackTrace: typeof err.stack === 'string' && err.stack !== '' ? err.stack.split('\n') : [],
    };
  }
  return { errorType: typeof err, errorMessage: String(err), stackTrace: [] };
}

async function postError(url, err) {
  const response = errorResponse(err);
  // Header values must be printable ASCII or node refuses to send the request at all.
  const errorTypeHeader = response.errorType.replace(/[^\x20-\x7e]/g, '?');
  await runtimeApi.request('POST', url, JSON.stringify(response), { 'Lambda-Runtime-Function-Error-Type': errorTypeHeader });
}

function exportAt(root, exportPath) {
  return exportPath.reduce((value, key) => (value == null ? undefined : value[key]), root);
}

async function loadHandler() {
  const spec = env._HANDLER ?? '';
  const taskRoot = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const slash = spec.lastIndexOf('/');
  const [moduleName, ...exportPath] = spec.slice(slash + 1).split('.');
  if (!moduleName || exportPath.length === 0 || exportPath.includes('')) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler '${spec}': expected file.export, e.g. index.handler`);
  }
  const moduleDir = path.resolve(taskRoot, spec.slice(0, slash + 1));
  const file = ['.js', '.mjs', '.cjs'].map((ext) => path.join(moduleDir, moduleName + ext)).find(existsSync);
  if (!file) {
    throw new RuntimeError('Runtime.ImportModuleError',
      `Error: Cannot find module '${moduleName}' in ${moduleDir} (tried .js, .mjs, .cjs)`);
  }
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (err) {
    const type = err instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    throw new RuntimeError(type, `${err?.name}: ${err?.message ?? err}`, err);
  }
  // CommonJS exports appear as named exports only when node can detect them statically;
  // module.exports itself is always the default export.
  const handler = exportAt(module, exportPath) ?? exportAt(module.default, exportPath);
  if (typeof handler !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  }
  return handler;
}

function parseJsonHeader(value) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function createContext(headers, settle) {
  const deadlineMs = Number(headers['lambda-runtime-deadline-ms']);
  return {
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    // A string, as in Lambda's own Node runtime.
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context']),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity']),
    // Kept for compatibility; the response is sent as soon as the handler settles either way.
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
    done: settle,
    succeed: (result) => settle(null, result),
    fail: (err) => settle(err ?? new Error('context.fail called')),
  };
}

// Settles on whichever comes first: the callback (or context.done/succeed/fail), or, unless the
// handler is callback-style, its return value. A callback-style handler that returns a promise
// is also settled by that promise, as in Lambda.
function invoke(handler, event, headers) {
  return new Promise((resolve, reject) => {
    const settle = (err, result) => (err == null ? resolve(result) : reject(err));
    const context = createContext(headers, settle);
    const callbackStyle = handler.length >= 3 && handler.constructor.name !== 'AsyncFunction';
    const returned = handler(event, context, settle);
    if (!callbackStyle || typeof returned?.then === 'function') {
      Promise.resolve(returned).then(resolve, reject);
    }
  });
}

async function serveInvocations(handler) {
  const nextPath = `${RUNTIME_PATH}/invocation/next`;
  let nextRequest = runtimeApi.request('GET', nextPath);
  for (;;) {
    const next = await nextRequest;
    if (next.status !== 200) {
      throw new Error(`Runtime API answered ${next.status} to invocation/next: ${next.body}`);
    }
    const headers = next.headers;
    const requestId = headers['lambda-runtime-aws-request-id'];
    const invocation = { requestId, reported: false };
    current = invocation;
    traceId = headers['lambda-runtime-trace-id'] || undefined;
    let report;
    try {
      const result = await invoke(handler, JSON.parse(next.body), headers);
      const body = JSON.stringify(result) ?? 'null';
      report = () => runtimeApi.request('POST', `${RUNTIME_PATH}/invocation/${requestId}/response`, body);
    } catch (err) {
      report = () => postError(`${RUNTIME_PATH}/invocation/${requestId}/error`, err);
    }
    // uncaughtException may have reported this invocation already, and is ending the process.
    const reporting = invocation.reported ? undefined : report();
    invocation.reported = true;
    // Same tick as the report: one write carries both (see RuntimeConnection).
    nextRequest = runtimeApi.request('GET', nextPath);
    // If the report fails, so does this request, on the same connection; the loop ends with the first.
    nextRequest.catch(() => {});
    await reporting;
  }
}

// An error escaping the handler's promise chain (a throw in a timer, an unhandled rejection)
// leaves the process in an unknown state: fail the invocation it belongs to and let the platform
// start a fresh instance.
process.on('uncaughtException', (err) => {
  console.error(err);
  const invocation = current;
  if (invocation && !invocation.reported) {
    invocation.reported = true;
    postError(`${RUNTIME_PATH}/invocation/${invocation.requestId}/error`, err).finally(() => process.exit(1));
  } else {
    process.exit(1);
  }
});

// A prewarmed process starts before its function is known: it waits here until the platform binds
// it to one, then adopts that function's environment and goes on as a fresh start would.
if (env.ALOFT_BIND === '1') {
  let binding;
  try {
    binding = await runtimeApi.request('GET', `${API_PREFIX}/aloft/bind`);
  } catch (err) {
    console.error('Runtime API unreachable while waiting for a function, stopping:', err);
    process.exit(1);
  }
  if (binding.status !== 200) process.exit(0);
  Object.assign(env, JSON.parse(binding.body).environment);
  delete env.ALOFT_BIND;
}

delete env[TRACE_ENV];
process.env = environmentWithTraceId(env);
let handler;
try {
  handler = await loadHandler();
} catch (err) {
  console.error(`${err.name}: ${err.message}${err.stack ? `\n${err.stack}` : ''}`);
  await postError(`${RUNTIME_PATH}/init/error`, err).catch((postErr) => console.error(postErr));
  process.exit(1);
}
try {
  await serveInvocations(handler);
} catch (err) {
  console.error('Runtime API unreachable, stopping:', err);
  process.exit(1);
}
