package dev.aloft.server.runtimeapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

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

    private static final String PREFIX = "/{secret}/2018-06-01/runtime";
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
                .routing(this::routes)
                .build();
    }

    public static RuntimeApiServer start() {
        RuntimeApiServer runtimeApi = new RuntimeApiServer();
        runtimeApi.server.start();
        return runtimeApi;
    }

    private void routes(HttpRouting.Builder routing) {
        routing.get(PREFIX + "/invocation/next", this::next)
                .post(PREFIX + "/invocation/{id}/response", this::response)
                .post(PREFIX + "/invocation/{id}/error", this::error)
                .post(PREFIX + "/init/error", this::initError)
                .get("/{secret}/aloft/bind", this::bind);
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

    private Optional<RuntimeSession> session(ServerRequest req, ServerResponse res) {
        RuntimeSession session = sessions.get(req.path().pathParameters().get("secret"));
        if (session == null) {
            sendError(res, Status.FORBIDDEN_403, "UnknownInstance",
                    "this Runtime API endpoint belongs to no live instance");
        }
        return Optional.ofNullable(session);
    }

    private void next(ServerRequest req, ServerResponse res) {
        Optional<RuntimeSession> session = session(req, res);
        if (session.isEmpty()) {
            return;
        }
        Optional<RuntimeEvent> event = longPoll(res, session.get()::next, "this instance gets no more invocations");
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
    private void bind(ServerRequest req, ServerResponse res) {
        Optional<RuntimeSession> session = session(req, res);
        if (session.isEmpty()) {
            return;
        }
        Optional<Map<String, String>> environment = longPoll(res, session.get()::awaitBinding,
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

    private void response(ServerRequest req, ServerResponse res) {
        Optional<RuntimeSession> session = session(req, res);
        if (session.isEmpty()) {
            return;
        }
        String requestId = req.path().pathParameters().get("id");
        byte[] body = readUpTo(req, MAX_RESPONSE_BYTES + 1);
        if (body.length > MAX_RESPONSE_BYTES) {
            String message = "Response payload size exceeded maximum allowed payload size (" + MAX_RESPONSE_BYTES + " bytes).";
            session.get().fail(requestId, "Function.ResponseSizeTooLarge", ("{\"errorType\":\"Function.ResponseSizeTooLarge\","
                    + "\"errorMessage\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
            sendError(res, Status.REQUEST_ENTITY_TOO_LARGE_413, "RequestEntityTooLarge", message);
            return;
        }
        answer(res, session.get().respond(requestId, body));
    }

    private static byte[] readUpTo(ServerRequest req, int maxBytes) {
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(maxBytes);
            in.transferTo(OutputStream.nullOutputStream());
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void error(ServerRequest req, ServerResponse res) {
        Optional<RuntimeSession> session = session(req, res);
        if (session.isPresent()) {
            byte[] body = req.content().as(byte[].class);
            String type = req.headers().first(ERROR_TYPE).orElse("Unhandled");
            answer(res, session.get().fail(req.path().pathParameters().get("id"), type, body));
        }
    }

    private void initError(ServerRequest req, ServerResponse res) {
        Optional<RuntimeSession> session = session(req, res);
        if (session.isPresent()) {
            byte[] body = req.content().as(byte[].class);
            String type = req.headers().first(ERROR_TYPE).orElse("Runtime.InitError");
            session.get().initFailed(type, body);
            sendStatus(res);
        }
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
