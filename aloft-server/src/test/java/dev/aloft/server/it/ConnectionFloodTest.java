package dev.aloft.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More connections than the server's file descriptors allow: the edge holds at most half of them
 * open and leaves the rest in the listen backlog, so it serves again once the flood is gone.
 * Before, an accept that failed for want of descriptors closed Helidon's listening socket for good
 * while the process ran on.
 */
class ConnectionFloodTest {

    private static final int FILE_DESCRIPTORS = 256;
    private static final int FLOOD = 400;

    @TempDir
    Path tmp;

    private Process server;
    private final List<Socket> flood = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : flood) {
            socket.close();
        }
        if (server != null) {
            server.destroyForcibly();
        }
    }

    @Test
    void theEdgeServesAgainAfterAFloodOfConnectionsBeyondTheFileDescriptorLimit() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path log = tmp.resolve("server.log");
        Path data = tmp.resolve("data");
        server = new ProcessBuilder("bash", "-c", "ulimit -n " + FILE_DESCRIPTORS + " && exec \"$0\" \"$@\"",
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-Daloft.home=" + Path.of("..").toAbsolutePath().normalize(),
                "-cp", System.getProperty("java.class.path"), "dev.aloft.server.cli.AloftCommand",
                "up", "--no-examples", "--port", Integer.toString(port), "--data", data.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("Aloft is running"));
        assertThat(Files.readString(log)).contains("connections: at most " + FILE_DESCRIPTORS / 2 + " open at once");
        URI base = URI.create("http://127.0.0.1:" + port);

        for (int i = 0; i < FLOOD; i++) {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            flood.add(socket);
        }
        // The server has accepted what it will: its half, or (before) until no descriptor was left.
        await().atMost(Duration.ofSeconds(30)).until(() -> openFileDescriptors() >= FILE_DESCRIPTORS / 2 + 64);
        for (Socket socket : flood) {
            socket.close();
        }
        flood.clear();

        HttpRequest health = HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(5)).build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
        String token = Files.readString(data.resolve("admin-token")).trim();
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        HttpResponse<String> deployed = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/functions/worker"))
                .header("Authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        HttpResponse<String> invoked = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/functions/worker/invoke"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString("{\"echo\": 7}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(invoked.statusCode()).as(invoked.body()).isEqualTo(200);
        assertThat(invoked.body()).contains("7");
    }

    private long openFileDescriptors() throws IOException {
        try (Stream<Path> open = Files.list(Path.of("/proc", Long.toString(server.pid()), "fd"))) {
            return open.count();
        }
    }
}
