package dev.aloft.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The platform's side of the Runtime API, just enough to drive one function process. It listens
 * under a path prefix, as the platform does, to prove the bootstrap keeps the prefix.
 */
final class FakeRuntimeApi implements AutoCloseable {

    /** What the function posted for one event, or for its init. */
    record Outcome(String kind, String body, Optional<String> errorTypeHeader) {
    }

    /** How the platform answers {@code /aloft/bind}. */
    private record Binding(int status, String body) {
    }

    private record Event(String requestId, String body, Optional<String> traceId) {
    }

    private static final String PREFIX = "/s3cr3t";
    private static final String RUNTIME = PREFIX + "/2018-06-01/runtime";

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Map<String, CompletableFuture<Outcome>> outcomes = new ConcurrentHashMap<>();
    private final CompletableFuture<Outcome> initError = new CompletableFuture<>();
    private final CompletableFuture<Void> bindRequested = new CompletableFuture<>();
    private final CompletableFuture<Binding> binding = new CompletableFuture<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;

    FakeRuntimeApi() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Virtual threads because an idle function parks a request in /next indefinitely.
        server.setExecutor(executor);
        server.createContext(RUNTIME + "/invocation/next", this::next);
        server.createContext(RUNTIME + "/invocation/", this::invocationResult);
        server.createContext(RUNTIME + "/init/error", exchange -> {
            initError.complete(outcome("init-error", exchange));
            respond(exchange, 202, "{\"status\":\"OK\"}");
        });
        server.createContext(PREFIX + "/aloft/bind", this::bind);
        server.start();
    }

    /** The value of {@code AWS_LAMBDA_RUNTIME_API}: host:port plus the prefix. */
    String address() {
        return "127.0.0.1:" + server.getAddress().getPort() + PREFIX;
    }

    CompletableFuture<Outcome> invoke(String event) {
        return invoke(event, Optional.empty());
    }

    CompletableFuture<Outcome> invoke(String event, Optional<String> traceId) {
        String requestId = UUID.randomUUID().toString();
        var outcome = new CompletableFuture<Outcome>();
        outcomes.put(requestId, outcome);
        events.add(new Event(requestId, event, traceId));
        return outcome;
    }

    CompletableFuture<Outcome> initError() {
        return initError;
    }

    /** Completes once a prewarmed process waits on {@code /aloft/bind}. */
    CompletableFuture<Void> bindRequested() {
        return bindRequested;
    }

    /** Answers the waiting (or next) {@code /aloft/bind}. */
    void bind(int status, String body) {
        binding.complete(new Binding(status, body));
    }

    private void bind(HttpExchange exchange) throws IOException {
        bindRequested.complete(null);
        try {
            Binding answer = binding.get();
            respond(exchange, answer.status(), answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 500, "interrupted");
        } catch (ExecutionException e) {
            respond(exchange, 500, e.getCause().toString());
        }
    }

    private void next(HttpExchange exchange) throws IOException {
        Event event;
        try {
            event = events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 500, "interrupted");
            return;
        }
        var headers = exchange.getResponseHeaders();
        headers.set("Lambda-Runtime-Aws-Request-Id", event.requestId());
        headers.set("Lambda-Runtime-Deadline-Ms", Long.toString(Instant.now().plusSeconds(30).toEpochMilli()));
        headers.set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:local:000000000000:function:test");
        event.traceId().ifPresent(trace -> headers.set("Lambda-Runtime-Trace-Id", trace));
        respond(exchange, 200, event.body());
    }

    private void invocationResult(HttpExchange exchange) throws IOException {
        // .../invocation/{id}/response or .../invocation/{id}/error
        String[] parts = exchange.getRequestURI().getPath().substring((RUNTIME + "/invocation/").length()).split("/");
        CompletableFuture<Outcome> outcome = outcomes.get(parts[0]);
        if (outcome == null || parts.length != 2) {
            respond(exchange, 404, "{\"errorMessage\":\"unknown request\"}");
            return;
        }
        outcome.complete(outcome(parts[1], exchange));
        respond(exchange, 202, "{\"status\":\"OK\"}");
    }

    private static Outcome outcome(String kind, HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        return new Outcome(kind, body,
                Optional.ofNullable(exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type")));
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
