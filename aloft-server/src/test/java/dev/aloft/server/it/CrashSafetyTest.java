package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 of the real server process while hundreds of async events are queued or running loses
 * none: after a restart every accepted event is delivered and every ledger record is final. A
 * plain SIGTERM stops it cleanly.
 */
class CrashSafetyTest {

    private static final int EVENTS = 300;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process server;
    private Path serverLog;

    private Process startServer(Path data, int port) throws IOException {
        Path log = data.resolveSibling(data.getFileName() + "-" + System.nanoTime() + ".log");
        serverLog = log;
        Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-Daloft.home=" + Path.of("..").toAbsolutePath().normalize(),
                "-cp", System.getProperty("java.class.path"), "dev.aloft.server.cli.AloftCommand",
                "up", "--no-examples", "--port", Integer.toString(port), "--data", data.toString(),
                "--set", "async-retry-base-ms=100")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        URI health = URI.create("http://127.0.0.1:" + port + "/health");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        return process;
    }

    /** A server of this test's, on a fresh data directory. */
    private record Node(Path data, int port, String token) {
        URI base() {
            return URI.create("http://127.0.0.1:" + port);
        }
    }

    private Node startNode(String dataPrefix) throws IOException {
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target/test-data")), dataPrefix);
        int port = freePort();
        server = startServer(data, port);
        return new Node(data, port, Files.readString(data.resolve("admin-token")).trim());
    }

    private void deploy(Node node, String name, ObjectNode body) throws Exception {
        assertThat(call(node.token(), HttpRequest.newBuilder(node.base().resolve("/api/v1/functions/" + name))
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString()))).statusCode()).isEqualTo(201);
    }

    private HttpResponse<String> call(String token, HttpRequest.Builder request) throws Exception {
        return http.send(request.header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.destroyForcibly();
        }
    }

    @Test
    void killMinusNineLosesNoAcceptedEvent() throws Exception {
        Node node = startNode("crash-");
        String token = node.token();
        URI base = node.base();
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("concurrency", 8);
        deploy(node, "worker", body);

        List<String> accepted = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<HttpResponse<String>>> submissions = new ArrayList<>();
            for (int i = 0; i < EVENTS; i++) {
                String payload = "{\"sleep_ms\": 100, \"echo\": " + i + "}";
                submissions.add(pool.submit(() -> call(token, HttpRequest.newBuilder(base.resolve("/api/v1/functions/worker/invoke"))
                        .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString(payload)))));
            }
            for (Future<HttpResponse<String>> submission : submissions) {
                HttpResponse<String> response = submission.get();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
                accepted.add(TestPlatform.parse(response.body()).path("invocationId").asText());
            }
        }
        // Let some finish and some run, then kill the server without warning.
        await().atMost(Duration.ofSeconds(60)).until(() -> countWithStatus(base, token, "success") >= 20);
        int doneBeforeCrash = countWithStatus(base, token, "success");
        server.destroyForcibly().waitFor();
        assertThat(server.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(doneBeforeCrash).as("events were still queued or running at the kill").isLessThan(EVENTS);

        server = startServer(node.data(), node.port());
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> countWithStatus(base, token, "success") == EVENTS);
        Map<String, String> statuses = statuses(base, token);
        for (String id : accepted) {
            assertThat(statuses.get(id)).as("invocation " + id).isEqualTo("success");
        }
        assertThat(statuses).hasSize(EVENTS);
    }

    /**
     * SIGTERM (Ctrl-C, a service manager's stop) exits 0 and stops the instances before the Runtime
     * API they call: before, Helidon's own shutdown hook closed it first, and every warm instance
     * wrote "Runtime API unreachable" into its last invocation's logs.
     */
    @Test
    void sigtermStopsInstancesBeforeTheirRuntimeApi() throws Exception {
        Node node = startNode("stop-");
        String token = node.token();
        URI base = node.base();
        deploy(node, "warm", TestPlatform.deployBody("nodejs20", "index.handler", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-ctx"))));
        for (int i = 0; i < 2; i++) {
            assertThat(call(token, HttpRequest.newBuilder(base.resolve("/api/v1/functions/warm/invoke"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))).statusCode()).isEqualTo(200);
        }

        server.destroy();
        assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
        assertThat(server.exitValue()).isZero();
        // The stop's own messages are logged too (the JDK's shutdown hook used to close logging first).
        assertThat(Files.readString(serverLog)).contains("Aloft stopped", "scale in: warm stopped instance")
                .doesNotContain("exited after");

        server = startServer(node.data(), node.port());
        String logs = call(token, HttpRequest.newBuilder(base.resolve("/api/v1/functions/warm/logs"))).body();
        assertThat(logs).doesNotContain("Runtime API unreachable");
    }

    private int countWithStatus(URI base, String token, String status) throws Exception {
        return (int) statuses(base, token).values().stream().filter(status::equals).count();
    }

    private Map<String, String> statuses(URI base, String token) throws Exception {
        Map<String, String> statuses = new HashMap<>();
        String cursor = null;
        do {
            String query = "/api/v1/invocations?function=worker&limit=1000" + (cursor == null ? "" : "&before=" + cursor);
            JsonNode page = TestPlatform.parse(call(token, HttpRequest.newBuilder(base.resolve(query))).body());
            page.path("invocations").forEach(r -> statuses.put(r.path("id").asText(), r.path("status").asText()));
            cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asText();
        } while (cursor != null);
        return statuses;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
