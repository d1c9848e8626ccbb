package dev.aloft.server.runtimeapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the Runtime API on loopback, on its own port, apart from the public edge. An instance's
 * {@code AWS_LAMBDA_RUNTIME_API} is {@code 127.0.0.1:PORT/SECRET}; runtime clients append
 * {@code /2018-06-01/runtime/...}, so the secret prefix routes every call to that instance alone.
 */
public final class RuntimeApiServer implements AutoCloseable {

    private static final String RUNTIME = "/2018-06-01/runtime";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();
    // Created once: building a header name per response showed up in warm-path profiles.
    private static final HeaderName REQUEST_ID = HeaderNames.create("Lambda-Runtime-Aws-Request-Id");
    private static final HeaderName DEADLINE = HeaderNames.create("Lambda-Runtime-Deadline-Ms");
    private static final HeaderName FUNCTION_ARN = HeaderNames.create("Lambda-Runtime-Invoked-Function-Arn");
    private static final HeaderName TRACE_ID = HeaderNames.create("Lambda-Runtime-Trace-Id");
    private static final HeaderName ERROR_TYPE = HeaderNames.create("Lambda-Runtime-Function-Error-Type");
    /** Lambda's limit for a synchronous response. */
    static final int MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

    private final Map<String, RuntimeSession> sessions = new ConcurrentHashMap<>();
    private final WebServer server;

    private RuntimeApiServer() {
        this.server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                // AloftServer.close stops it after the instances that call it; Helidon's own hook would
                // stop it first, and every warm instance would log "Runtime API unreachable".
                .shutdownHook(false)
                // Only instances call here, each with a secret of its own. Checking their Host and
                // request header syntax protected nothing and took ~5% of the server's warm-path CPU.
                .addProtocol(Http1Config.builder().validateRequestHeaders(false).build())
                // Events go out in several writes; Nagle held a short last one for the runtime's
                // delayed ACK (a 300 KB event's round trip: 28 ms with it, 15 ms without).
                .connectionOptions(options -> options.tcpNoDelay(true))
                .routing(this::routes)
                .build();
    }

    public static RuntimeApiServer start() {
        RuntimeApiServer runtimeApi = new RuntimeApiServer();
        runtimeApi.server.start();
        return runtimeApi;
    }

    private void routes(HttpRouting.Builder routing) {
        routing.any(this::dispatch);
    }

    /**
     * Routes by hand: every runtime calls here twice per invocation, and Helidon's pattern routes
     * cost a regex match per route tried. Paths are {@code /SECRET/2018-06-01/runtime/...} and
     * {@code /SECRET/aloft/bind}.
     */
    private void dispatch(ServerRequest req, ServerResponse res) {
        String path = req.path().rawPath();
        int secretEnd = path.indexOf('/', 1);
        Call call = secretEnd < 0 ? null : Call.of(req.prologue().method(), path.substring(secretEnd));
        if (call == null) {
            sendError(res, Status.NOT_FOUND_404, "NotFound", "no such Runtime API call");
            return;
        }
        RuntimeSession session = sessions.get(path.substring(1, secretEnd));
        if (session == null) {
            sendError(res, Status.FORBIDDEN_403, "UnknownInstance",
                    "this Runtime API endpoint belongs to no live instance");
            return;
        }
        switch (call.kind()) {
            case NEXT -> next(session, res);
            case BIND -> bind(session, res);
            case INIT_ERROR -> initError(session, req, res);
            case RESPONSE -> response(session, call.requestId(), req, res);
            case ERROR -> error(session, call.requestId(), req, res);
        }
    }

    /** One Runtime API call: what it is, and the invocation it names (for response and error). */
    private record Call(Kind kind, String requestId) {
        enum Kind { NEXT, BIND, INIT_ERROR, RESPONSE, ERROR }

        private static final String INVOCATION = RUNTIME + "/invocation/";

        /** The call a method and a path after the secret make, or null when they make none. */
        static Call of(Method method, String path) {
            if (method == Method.GET) {
                return switch (path) {
                    case RUNTIME + "/invocation/next" -> new Call(Kind.NEXT, null);
                    case "/aloft/bind" -> new Call(Kind.BIND, null);
                    default -> null;
                };
            }
            if (method != Method.POST) {
                return null;
            }
            if (path.equals(RUNTIME + "/init/error")) {
                return new Call(Kind.INIT_ERROR, null);
            }
            int idEnd = path.lastIndexOf('/');
            if (!path.startsWith(INVOCATION) || idEnd <= INVOCATION.length()) {
                return null;
            }
            String requestId = path.substring(INVOCATION.length(), idEnd);
            return switch (path.substring(idEnd)) {
                case "/response" -> new Call(Kind.RESPONSE, requestId);
                case "/error" -> new Call(Kind.ERROR, requestId);
                default -> null;
            };
        }
    }

    /** Registers an instance; returns the value for its {@code AWS_LAMBDA_RUNTIME_API}. */
    public Registration register(RuntimeSession session) {
        String secret = HexFormat.of().formatHex(randomBytes());
        sessions.put(secret, session);
        return new Registration(secret, "127.0.0.1:" + server.port() + "/" + secret);
    }

    /** Hands a registered endpoint to another session: a prewarmed process becoming an instance. */
    public void rebind(Registration registration, RuntimeSession session) {
        if (sessions.replace(registration.secret(), session) == null) {
            throw new IllegalStateException("endpoint " + registration.endpoint() + " is not registered");
        }
    }

    /** Forgets an instance; its endpoint answers 403 from now on. */
    public void unregister(Registration registration) {
        sessions.remove(registration.secret());
    }

    /** An instance's endpoint, as put in its environment. */
    public record Registration(String secret, String endpoint) {}

    private static byte[] randomBytes() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static void next(RuntimeSession session, ServerResponse res) {
        Optional<RuntimeEvent> event = longPoll(res, session::next, "this instance gets no more invocations");
        if (event.isEmpty()) {
            return;
        }
        RuntimeEvent e = event.get();
        res.header(REQUEST_ID, e.requestId())
                .header(DEADLINE, Long.toString(e.deadlineEpochMs()))
                .header(FUNCTION_ARN, e.invokedFunctionArn())
                .header(TRACE_ID, e.traceId())
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .send(e.payload());
    }

    /** Aloft's own extension: a prewarmed bootstrap waits here for the function it becomes. */
    private static void bind(RuntimeSession session, ServerResponse res) {
        Optional<Map<String, String>> environment = longPoll(res, session::awaitBinding,
                "this process is retired without a function");
        if (environment.isEmpty()) {
            return;
        }
        try {
            res.header(HeaderValues.CONTENT_TYPE_JSON).send(JSON.writeValueAsBytes(Map.of("environment", environment.get())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serializes", e);
        }
    }

    /** A session call that blocks until it has something to hand out. */
    private interface BlockingCall<T> {
        Optional<T> call() throws InterruptedException;
    }

    /** Waits on {@code call}; when it yields nothing, the runtime is told why (and the result is empty). */
    private static <T> Optional<T> longPoll(ServerResponse res, BlockingCall<T> call, String retiredMessage) {
        Optional<T> value;
        try {
            value = call.call();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sendError(res, Status.SERVICE_UNAVAILABLE_503, "ShuttingDown", "the platform is shutting down");
            return Optional.empty();
        }
        if (value.isEmpty()) {
            sendError(res, Status.GONE_410, "InstanceRetired", retiredMessage);
        }
        return value;
    }

    private static void response(RuntimeSession session, String requestId, ServerRequest req, ServerResponse res) {
        byte[] body = readUpTo(req, MAX_RESPONSE_BYTES + 1);
        if (body.length > MAX_RESPONSE_BYTES) {
            String message = "Response payload size exceeded maximum allowed payload size (" + MAX_RESPONSE_BYTES + " bytes).";
            session.fail(requestId, "Function.ResponseSizeTooLarge", ("{\"errorType\":\"Function.ResponseSizeTooLarge\","
                    + "\"errorMessage\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
            sendError(res, Status.REQUEST_ENTITY_TOO_LARGE_413, "RequestEntityTooLarge", message);
            return;
        }
        answer(res, session.respond(requestId, body));
    }

    private static byte[] readUpTo(ServerRequest req, int maxBytes) {
        try (InputStream in = req.content().inputStream()) {
            long declared = req.headers().contentLength().orElse(-1);
            if (declared >= 0 && declared < maxBytes) {
                // The usual case: reading exactly the declared length allocates only the body, where
                // reading up to the limit grows 16 KiB chunks (half the warm path's garbage).
                return in.readNBytes((int) declared);
            }
            byte[] body = in.readNBytes(maxBytes);
            in.transferTo(OutputStream.nullOutputStream());
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void error(RuntimeSession session, String requestId, ServerRequest req, ServerResponse res) {
        byte[] body = req.content().as(byte[].class);
        String type = req.headers().first(ERROR_TYPE).orElse("Unhandled");
        answer(res, session.fail(requestId, type, body));
    }

    private static void initError(RuntimeSession session, ServerRequest req, ServerResponse res) {
        byte[] body = req.content().as(byte[].class);
        String type = req.headers().first(ERROR_TYPE).orElse("Runtime.InitError");
        session.initFailed(type, body);
        sendStatus(res);
    }

    private static void answer(ServerResponse res, boolean accepted) {
        if (accepted) {
            sendStatus(res);
        } else {
            sendError(res, Status.BAD_REQUEST_400, "InvalidRequestID",
                    "request id is not the invocation this instance is running");
        }
    }

    private static void sendStatus(ServerResponse res) {
        res.status(Status.ACCEPTED_202).header(HeaderValues.CONTENT_TYPE_JSON)
                .send("{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8));
    }

    private static void sendError(ServerResponse res, Status status, String type, String message) {
        res.status(status).header(HeaderValues.CONTENT_TYPE_JSON)
                .send(("{\"errorType\":\"" + type + "\",\"errorMessage\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.stop();
    }
}
