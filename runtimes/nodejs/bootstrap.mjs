// Runtime client for Node.js functions: loads the handler named by _HANDLER from LAMBDA_TASK_ROOT,
// then serves invocations from the Lambda Runtime API (2018-06-01) until the platform stops it.
// Dependency-free and eager about nothing but the handler, because its startup is the cold start.
import http from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;
// The API address may carry a path prefix (host:port/secret), so it is used verbatim, never parsed.
const RUNTIME_URL = `http://${env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
// One kept-alive socket serves the whole life of the instance; a fresh connection per call
// would add a handshake to every invocation.
const agent = new http.Agent({ keepAlive: true });

// A failure of the runtime's own making; its stack is the user code's (cause), not ours.
class RuntimeError extends Error {
  constructor(type, message, cause) {
    super(message);
    this.name = type;
    this.stack = cause?.stack ?? '';
  }
}

let current = null; // the invocation being handled: { requestId, reported }

function request(method, url, body, headers = {}) {
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  if (payload) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = payload.length;
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      // The server may close an idle kept-alive socket just as we reuse it; that request never
      // reached it, so sending it again on a new socket is safe.
      if (req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        resolve(request(method, url, body, headers));
      } else {
        reject(err);
      }
    });
    req.end(payload);
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
  await request('POST', url, JSON.stringify(response), { 'Lambda-Runtime-Function-Error-Type': errorTypeHeader });
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
  for (;;) {
    const next = await request('GET', `${RUNTIME_URL}/invocation/next`);
    if (next.status !== 200) {
      throw new Error(`Runtime API answered ${next.status} to invocation/next: ${next.body}`);
    }
    const headers = next.headers;
    const requestId = headers['lambda-runtime-aws-request-id'];
    const invocation = { requestId, reported: false };
    current = invocation;
    if (headers['lambda-runtime-trace-id']) {
      env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
    } else {
      delete env._X_AMZN_TRACE_ID;
    }
    let body;
    try {
      const result = await invoke(handler, JSON.parse(next.body), headers);
      body = JSON.stringify(result) ?? 'null';
    } catch (err) {
      if (!invocation.reported) {
        invocation.reported = true;
        await postError(`${RUNTIME_URL}/invocation/${requestId}/error`, err);
      }
      continue;
    }
    if (!invocation.reported) {
      invocation.reported = true;
      await request('POST', `${RUNTIME_URL}/invocation/${requestId}/response`, body);
    }
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
    postError(`${RUNTIME_URL}/invocation/${invocation.requestId}/error`, err).finally(() => process.exit(1));
  } else {
    process.exit(1);
  }
});

let handler;
try {
  handler = await loadHandler();
} catch (err) {
  console.error(`${err.name}: ${err.message}${err.stack ? `\n${err.stack}` : ''}`);
  await postError(`${RUNTIME_URL}/init/error`, err).catch((postErr) => console.error(postErr));
  process.exit(1);
}
try {
  await serveInvocations(handler);
} catch (err) {
  console.error('Runtime API unreachable, stopping:', err);
  process.exit(1);
}
