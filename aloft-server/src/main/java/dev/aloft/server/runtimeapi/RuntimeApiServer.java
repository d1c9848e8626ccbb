package dev.aloft.server.runtimeapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aloft.server.runtimeapi.RequestParser.Request;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the Runtime API on loopback, on its own port, apart from the public edge. An instance's
 * {@code AWS_LAMBDA_RUNTIME_API} is {@code 127.0.0.1:PORT/SECRET}; runtime clients append
 * {@code /2018-06-01/runtime/...}, so the secret prefix routes every call to that instance alone.
 * One event-loop thread ({@link RuntimeApiLoop}) serves every connection.
 */
public final class RuntimeApiServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RuntimeApiServer.class.getName());
    private static final String RUNTIME = "/2018-06-01/runtime";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Lambda's limit for a synchronous response. */
    static final int MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
    private static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);
    private static final Duration ACCEPT_WARNING_EVERY = Duration.ofSeconds(10);

    private final Map<String, RuntimeSession> sessions = new ConcurrentHashMap<>();
    private final RuntimeApiLoop loop = new RuntimeApiLoop();
    private final ServerSocketChannel listener;
    private final SelectionKey acceptKey;
    /** Loop thread only: when the last failed accept was logged (System.nanoTime, 0 never), and those since. */
    private long lastAcceptWarning;
    private int failedAccepts;
    private final int port;

    private RuntimeApiServer() throws IOException {
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
        acceptKey = loop.registerAcceptor(listener, this::accept);
    }

    public static RuntimeApiServer start() {
        try {
            RuntimeApiServer runtimeApi = new RuntimeApiServer();
            runtimeApi.loop.start();
            return runtimeApi;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the Runtime API's loopback port", e);
        }
    }

    private void accept() {
        while (true) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException e) {
                pauseAccepting(e);
                return;
            }
            if (channel == null) {
                return;
            }
            try {
                // An event and its payload go out in one gathering write; Nagle would still hold a
                // short tail of a large one for the runtime's delayed ACK.
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                new RuntimeConnection(channel, loop, MAX_RESPONSE_BYTES, this::dispatch);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "Runtime API dropped a connection it could not set up: " + e.getMessage());
                try {
                    channel.close();
                } catch (IOException closing) {
                    // Dropping it was the point.
                }
            }
        }
    }

    /**
     * An accept failed (out of file descriptors, say): the waiting connection keeps the listener
     * ready, so the loop would spin on it. Accepting resumes after a pause.
     */
    private void pauseAccepting(IOException cause) {
        loop.setInterest(acceptKey, 0);
        Thread.ofVirtual().name("runtime-api-accept-pause").start(() -> {
            try {
                Thread.sleep(ACCEPT_PAUSE);
            } catch (InterruptedException e) {
                return;
            }
            loop.setInterest(acceptKey, SelectionKey.OP_ACCEPT);
        });
        // Logged after the pause is set: with no descriptor left, logging itself may fail (the
        // loop goes on), and before, that failure skipped the pause and the loop spun a core.
        // Once per ACCEPT_WARNING_EVERY: a flood fails an accept after every pause.
        long now = System.nanoTime();
        failedAccepts++;
        if (lastAcceptWarning == 0 || now - lastAcceptWarning >= ACCEPT_WARNING_EVERY.toNanos()) {
            LOG.log(Level.WARNING, "Runtime API could not accept a connection (" + cause.getMessage() + "; "
                    + failedAccepts + " failed since the last such warning); it tries again every "
                    + ACCEPT_PAUSE.toMillis() + " ms, warning at most every " + ACCEPT_WARNING_EVERY.toSeconds() + " s");
            lastAcceptWarning = now;
            failedAccepts = 0;
        }
    }

    /** Registers an instance; returns the value for its {@code AWS_LAMBDA_RUNTIME_API}. */
    public Registration register(RuntimeSession session) {
        String secret = HexFormat.of().formatHex(randomBytes());
        sessions.put(secret, session);
        return new Registration(secret, "127.0.0.1:" + port + "/" + secret);
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

    /**
     * Routes by hand, on the loop: paths are {@code /SECRET/2018-06-01/runtime/...} and
     * {@code /SECRET/aloft/bind}.
     */
    private void dispatch(RuntimeConnection connection, Request request) {
        String path = request.head().path();
        int secretEnd = path.indexOf('/', 1);
        Call call = secretEnd < 0 || !path.startsWith("/") ? null : Call.of(request.head().method(), path.substring(secretEnd));
        if (call == null) {
            connection.answer(RuntimeResponses.error(404, "NotFound", "no such Runtime API call"));
            return;
        }
        RuntimeSession session = sessions.get(path.substring(1, secretEnd));
        if (session == null) {
            connection.answer(RuntimeResponses.error(403, "UnknownInstance",
                    "this Runtime API endpoint belongs to no live instance"));
            return;
        }
        try {
            switch (call.kind()) {
                case NEXT -> session.next(eventPoll(connection));
                case BIND -> session.awaitBinding(bindingPoll(connection));
                case INIT_ERROR -> initError(connection, session, request);
                case RESPONSE -> response(connection, session, call.requestId(), request);
                case ERROR -> error(connection, session, call.requestId(), request);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Runtime API call " + call.kind() + " failed", e);
            connection.answer(RuntimeResponses.error(500, "ServiceException", "the platform failed to handle this call"));
        }
    }

    /** One Runtime API call: what it is, and the invocation it names (for response and error). */
    private record Call(Kind kind, String requestId) {
        enum Kind { NEXT, BIND, INIT_ERROR, RESPONSE, ERROR }

        private static final String INVOCATION = RUNTIME + "/invocation/";

        /** The call a method and a path after the secret make, or null when they make none. */
        static Call of(String method, String path) {
            if (method.equals("GET")) {
                return switch (path) {
                    case RUNTIME + "/invocation/next" -> new Call(Kind.NEXT, null);
                    case "/aloft/bind" -> new Call(Kind.BIND, null);
                    default -> null;
                };
            }
            if (!method.equals("POST")) {
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

    private static LongPoll<RuntimeEvent> eventPoll(RuntimeConnection connection) {
        return new LongPoll<>() {
            @Override
            public boolean answer(RuntimeEvent event) {
                return connection.answer(RuntimeResponses.event(event));
            }

            @Override
            public void retired() {
                connection.answer(RuntimeResponses.error(410, "InstanceRetired", "this instance gets no more invocations"));
            }
        };
    }

    /** Aloft's own extension: a prewarmed bootstrap waits here for the function it becomes. */
    private static LongPoll<Map<String, String>> bindingPoll(RuntimeConnection connection) {
        return new LongPoll<>() {
            @Override
            public boolean answer(Map<String, String> environment) {
                try {
                    return connection.answer(RuntimeResponses.json(JSON.writeValueAsBytes(Map.of("environment", environment))));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("a map of strings always serializes", e);
                }
            }

            @Override
            public void retired() {
                connection.answer(RuntimeResponses.error(410, "InstanceRetired", "this process is retired without a function"));
            }
        };
    }

    private static void response(RuntimeConnection connection, RuntimeSession session, String requestId, Request request) {
        if (request.oversized()) {
            String message = "Response payload size exceeded maximum allowed payload size (" + MAX_RESPONSE_BYTES + " bytes).";
            session.fail(requestId, "Function.ResponseSizeTooLarge", ("{\"errorType\":\"Function.ResponseSizeTooLarge\","
                    + "\"errorMessage\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
            connection.answer(RuntimeResponses.error(413, "RequestEntityTooLarge", message));
            return;
        }
        answer(connection, session.respond(requestId, request.body()));
    }

    private static void error(RuntimeConnection connection, RuntimeSession session, String requestId, Request request) {
        String type = request.head().errorType() == null ? "Unhandled" : request.head().errorType();
        answer(connection, session.fail(requestId, type, bodyOrNote(request)));
    }

    /** Rare, and it kills a process: off the loop. */
    private static void initError(RuntimeConnection connection, RuntimeSession session, Request request) {
        String type = request.head().errorType() == null ? "Runtime.InitError" : request.head().errorType();
        byte[] body = bodyOrNote(request);
        Thread.ofVirtual().name("runtime-init-error").start(() -> {
            session.initFailed(type, body);
            connection.answer(RuntimeResponses.accepted());
        });
    }

    /** An error report's body; one over the limit is replaced by a note saying so. */
    private static byte[] bodyOrNote(Request request) {
        return request.oversized()
                ? ("{\"errorType\":\"Runtime.ErrorTooLarge\",\"errorMessage\":\"the runtime's error report was over "
                        + MAX_RESPONSE_BYTES + " bytes\"}").getBytes(StandardCharsets.UTF_8)
                : request.body();
    }

    private static void answer(RuntimeConnection connection, boolean accepted) {
        connection.answer(accepted ? RuntimeResponses.accepted()
                : RuntimeResponses.error(400, "InvalidRequestID", "request id is not the invocation this instance is running"));
    }

    @Override
    public void close() {
        loop.close();
    }
}
