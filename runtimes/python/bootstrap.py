"""Runtime client for Python functions.

Imports the handler named by _HANDLER from LAMBDA_TASK_ROOT, then serves invocations from the
Lambda Runtime API (2018-06-01) until the platform stops the process. Standard library only, and
it imports little, because its startup is the function's cold start.
"""
import importlib
import json
import os
import socket
import sys
import time

# The API address may carry a path prefix (host:port/secret); everything after the first slash
# goes in front of every request path.
_API_ADDRESS, _, _API_PREFIX = os.environ["AWS_LAMBDA_RUNTIME_API"].partition("/")
_API_PATH = "/" + _API_PREFIX if _API_PREFIX else ""
_RUNTIME_PATH = _API_PATH + "/2018-06-01/runtime"


def _message(method, path, body, headers):
    head = f"{method} {path} HTTP/1.1\r\nHost: {_API_ADDRESS}\r\n"
    for name, value in (headers or {}).items():
        head += f"{name}: {value}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode("latin-1") + b"\r\n" + (body or b"")


class RuntimeApi:
    """HTTP/1.1 on one persistent socket for the life of the instance. Hand-rolled because
    http.client costs ~7x the CPU per next/response pair (measured: 418 vs 60 us), and on a busy
    node that CPU is the warm path's latency. exchange() sends several requests in one write and
    reads their responses in order (pipelining): an invocation's result and the request for the
    next one cost one write and one wake-up of the server, not two."""

    def __init__(self):
        host, _, port = _API_ADDRESS.rpartition(":")
        self._address = (host, int(port))
        self._socket = None
        self._buffer = b""

    def await_binding(self):
        """A prewarmed process's wait for its function: the environment to adopt, or None if retired."""
        status, _, body = self.exchange(_message("GET", _API_PATH + "/aloft/bind", None, None))[0]
        return json.loads(body)["environment"] if status == 200 else None

    @staticmethod
    def message(method, path, body=None, headers=None):
        """A request for exchange(); path is below /2018-06-01/runtime."""
        return _message(method, _RUNTIME_PATH + path, body, headers)

    def error_message(self, path, error):
        # Header values must be printable ASCII to be a valid header.
        error_type = "".join(c if " " <= c <= "~" else "?" for c in error["errorType"])
        return self.message("POST", path, json.dumps(error).encode("utf-8"),
                            {"Lambda-Runtime-Function-Error-Type": error_type})

    def post_error(self, path, error):
        self.exchange(self.error_message(path, error))

    def exchange(self, *messages):
        """Sends the requests in one write; returns their responses, (status, headers, body) each,
        with header names in lower case."""
        reused = self._socket is not None
        responses = []
        try:
            self._send(b"".join(messages), len(messages), responses)
        except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            self._close()
            if not reused:
                raise
            # The server closed the idle kept-alive connection; the requests it did not answer
            # never reached it.
            self._send(b"".join(messages[len(responses):]), len(messages) - len(responses), responses)
        return responses

    def _send(self, data, count, responses):
        if self._socket is None:
            # No timeout: invocation/next is a long poll that may wait for hours.
            self._socket = socket.create_connection(self._address)
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.sendall(data)
        for _ in range(count):
            responses.append(self._read_response())

    def _read_response(self):
        head_end = self._fill_until(lambda: self._buffer.find(b"\r\n\r\n"))
        lines = self._buffer[:head_end].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self._buffer = self._buffer[head_end + 4:]
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            length = int(headers.get("content-length", "0"))
            self._fill_until(lambda: length if len(self._buffer) >= length else -1)
            body, self._buffer = self._buffer[:length], self._buffer[length:]
        return status, headers, body

    def _read_chunked(self):
        body = b""
        while True:
            line_end = self._fill_until(lambda: self._buffer.find(b"\r\n"))
            size = int(self._buffer[:line_end].split(b";")[0], 16)
            self._buffer = self._buffer[line_end + 2:]
            if size == 0:
                self._fill_until(lambda: self._buffer.find(b"\r\n"))
                self._buffer = self._buffer[self._buffer.find(b"\r\n") + 2:]
                return body
            self._fill_until(lambda: size if len(self._buffer) >= size + 2 else -1)
            body += self._buffer[:size]
            self._buffer = self._buffer[size + 2:]

    def _fill_until(self, found):
        """Reads until found() is not -1, and returns it."""
        while (at := found()) < 0:
            chunk = self._socket.recv(65536)
            if not chunk:
                raise ConnectionResetError("the Runtime API closed the connection")
            self._buffer += chunk
        return at

    def _close(self):
        if self._socket is not None:
            self._socket.close()
        self._socket = None
        self._buffer = b""


class InitError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


class LambdaContext:
    """The attributes Lambda's Python runtime gives its context, under the same names."""

    def __init__(self, headers):
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        # A string, as in Lambda's own Python runtime.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = _parse_json_header(headers.get("lambda-runtime-client-context"))
        self.identity = _parse_json_header(headers.get("lambda-runtime-cognito-identity"))
        self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms") or 0)

    def get_remaining_time_in_millis(self):
        return self._deadline_ms - int(time.time() * 1000)


def _parse_json_header(value):
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_path, _, function_name = spec.rpartition(".")
    if not module_path or not function_name:
        raise InitError("Runtime.MalformedHandlerName",
                        f"Bad handler '{spec}': expected module.function, e.g. app.handler")
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as e:
        raise InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {e}") from e
    except Exception as e:
        raise InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}") from e
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise InitError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


def stack_trace(error):
    """The user code's frames only; the runtime's and the import machinery's are noise to them."""
    # Imported only on failure: traceback pulls in modules a healthy instance never needs.
    import traceback
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename not in (__file__, importlib.__file__) and not frame.filename.startswith("<frozen")]
    return [line.rstrip("\n") for line in traceback.format_list(frames)]


TRACE_KEY = os.environ.encodekey("_X_AMZN_TRACE_ID")


def set_trace_id(trace_id):
    """Exposes the invocation's X-Ray trace header as Lambda does, in os.environ (and so os.getenv).

    os.environ[...] = ... would call setenv(3), and glibc keeps every value setenv was ever given:
    a new id per invocation leaked ~140 bytes (140 MB per million invocations). So the id goes
    into os.environ's own mapping only; a child process sees it when given env=os.environ.
    """
    if trace_id:
        os.environ._data[TRACE_KEY] = os.environ.encodevalue(trace_id)
    else:
        os.environ._data.pop(TRACE_KEY, None)


def serve_invocations(api, handler):
    next_request = api.message("GET", "/invocation/next")
    status, headers, body = api.exchange(next_request)[0]
    while True:
        if status != 200:
            raise RuntimeError(f"Runtime API answered {status} to invocation/next: {body!r}")
        request_id = headers.get("lambda-runtime-aws-request-id")
        set_trace_id(headers.get("lambda-runtime-trace-id"))
        try:
            result = handler(json.loads(body), LambdaContext(headers))
        except Exception as e:
            error = {"errorType": type(e).__name__, "errorMessage": str(e), "stackTrace": stack_trace(e)}
        else:
            try:
                response = json.dumps(result).encode("utf-8")
                error = None
            except (TypeError, ValueError) as e:
                error = {"errorType": "Runtime.MarshalError",
                         "errorMessage": f"Unable to marshal response: {e}", "stackTrace": []}
        # Log lines written during the invocation must arrive before its response does.
        sys.stdout.flush()
        sys.stderr.flush()
        if error is None:
            report = api.message("POST", f"/invocation/{request_id}/response", response)
        else:
            report = api.error_message(f"/invocation/{request_id}/error", error)
        status, headers, body = api.exchange(report, next_request)[1]


def main():
    # Each print becomes a log line of the current invocation as soon as it is written.
    sys.stdout.reconfigure(line_buffering=True)
    # The code directory is read-only in the sandbox: trying to cache bytecode there only fails.
    sys.dont_write_bytecode = True
    api = RuntimeApi()
    if os.environ.get("ALOFT_BIND") == "1":
        # A prewarmed process starts before its function is known: it waits until the platform binds
        # it to one, then adopts that function's environment and goes on as a fresh start would.
        environment = api.await_binding()
        if environment is None:
            sys.exit(0)
        os.environ.update(environment)
        del os.environ["ALOFT_BIND"]
        # The code appeared in the task root only now; no finder may remember it empty.
        importlib.invalidate_caches()
    # The function's code takes the place of the runtime's own directory on the import path.
    sys.path[0] = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    try:
        handler = load_handler()
    except InitError as e:
        print(f"[ERROR] {e.error_type}: {e}", file=sys.stderr)
        api.post_error("/init/error", {"errorType": e.error_type, "errorMessage": str(e),
                                       "stackTrace": stack_trace(e.__cause__) if e.__cause__ else []})
        sys.exit(1)
    serve_invocations(api, handler)


if __name__ == "__main__":
    main()
