package dev.aloft.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The platform's side of the Runtime API, only as much as the {@link Training} run needs: events
 * out through {@code /next}, answers back through {@code /response}, and a function for a
 * prewarmed bootstrap through {@code /aloft/bind}. It listens on loopback under
 * a path prefix, as the platform does. It is never stopped: the run ends with the JVM, while the
 * bootstrap is parked in {@code /next} like an idle instance.
 */
final class TrainingRuntimeApi {

    /** An event handed out, and its answer once the function posts one. */
    record Answer(String requestId, CompletableFuture<String> result) {
    }

    private record Event(String requestId, String body) {
    }

    private static final String PREFIX = "/training";
    private static final String RUNTIME = PREFIX + "/2018-06-01/runtime";

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Map<String, CompletableFuture<String>> results = new ConcurrentHashMap<>();
    private final ExecutorService executor;
    private final HttpServer server;
    private int sequence;

    /** @param binding the function environment {@code /aloft/bind} hands a prewarmed bootstrap */
    TrainingRuntimeApi(Map<String, String> binding) {
        String bindAnswer;
        try {
            bindAnswer = new ObjectMapper().writeValueAsString(Map.of("environment", binding));
        } catch (JsonProcessingException e) {
            throw new RuntimeSetupException("cannot write the AOT training run's binding: " + e, e);
        }
        // Daemon threads: a parked /next must not keep the JVM from exiting and writing the cache.
        executor = Executors.newCachedThreadPool(Thread.ofPlatform().name("runtime-api-", 0).daemon().factory());
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new RuntimeSetupException("cannot listen on loopback for the AOT training run: " + e, e);
        }
        server.setExecutor(executor);
        server.createContext(RUNTIME + "/invocation/next", this::next);
        server.createContext(RUNTIME + "/invocation/", this::result);
        // The bootstrap prints the init error and exits, which is what the training run notices.
        server.createContext(RUNTIME + "/init/error", exchange -> respond(exchange, 202, "{\"status\":\"OK\"}"));
        server.createContext(PREFIX + "/aloft/bind", exchange -> respond(exchange, 200, bindAnswer));
        server.start();
    }

    /** The value of {@code AWS_LAMBDA_RUNTIME_API}. */
    String address() {
        return server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + PREFIX;
    }

    Answer invoke(String event) {
        String requestId = "00000000-0000-4000-8000-" + String.format("%012d", ++sequence);
        var result = new CompletableFuture<String>();
        results.put(requestId, result);
        events.add(new Event(requestId, event));
        return new Answer(requestId, result);
    }

    private void next(HttpExchange exchange) throws IOException {
        Event event;
        try {
            event = events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 500, "{\"errorMessage\":\"interrupted\"}");
            return;
        }
        var headers = exchange.getResponseHeaders();
        headers.set("Lambda-Runtime-Aws-Request-Id", event.requestId());
        headers.set("Lambda-Runtime-Deadline-Ms", Long.toString(Instant.now().plusSeconds(60).toEpochMilli()));
        headers.set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:local:000000000000:function:aot-training");
        headers.set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0");
        respond(exchange, 200, event.body());
    }

    private void result(HttpExchange exchange) throws IOException {
        // .../invocation/{id}/response or .../invocation/{id}/error
        String[] parts = exchange.getRequestURI().getPath().substring((RUNTIME + "/invocation/").length()).split("/");
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        CompletableFuture<String> result = results.get(parts[0]);
        if (result == null || parts.length != 2) {
            respond(exchange, 404, "{\"errorMessage\":\"unknown request\"}");
            return;
        }
        if (parts[1].equals("response")) {
            result.complete(body);
        } else {
            result.completeExceptionally(new IllegalStateException("the function failed: " + body));
        }
        respond(exchange, 202, "{\"status\":\"OK\"}");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

}
