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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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

    private Path log;
    private Path data;
    private Process server;
    private final List<Socket> flood = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void paths() {
        log = tmp.resolve("server.log");
        data = tmp.resolve("data");
    }

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
        URI base = startServer();
        assertThat(Files.readString(log)).contains("connections: at most " + FILE_DESCRIPTORS / 2 + " open at once");

        for (int i = 0; i < FLOOD; i++) {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 5_000);
            flood.add(socket);
        }
        // The server has accepted what it will: its half, or (before) until no descriptor was left.
        await().atMost(Duration.ofSeconds(30)).until(() -> openFileDescriptors() >= FILE_DESCRIPTORS / 2 + 64);
        for (Socket socket : flood) {
            socket.close();
        }
        flood.clear();
        deployAndInvoke(base);
    }

    /**
     * The Runtime API has no cap of its own (its connections are the instances'), so a flood of it
     * takes every descriptor. An accept that fails then pauses accepting instead of spinning the
     * loop on a listener that stays ready, says so in the log, and accepting resumes once
     * descriptors are free: a new instance's runtime connects. Before, the warning's first log
     * record opened tzdb.dat for the formatter's time zone, failed, and broke every time zone (so
     * all logging) for the JVM's life; the failure skipped the pause, and the loop spun a core for
     * as long as the flood lasted.
     */
    @Test
    void theRuntimeApiNeitherSpinsNorStopsAcceptingWhenFileDescriptorsRunOut() throws Exception {
        URI base = startServer();
        int runtimeApiPort = listeningPorts().stream().filter(p -> p != base.getPort()).findFirst().orElseThrow();

        for (int i = 0; i < FLOOD; i++) {
            Socket socket = new Socket();
            try {
                // Beyond what the server accepts and its backlog holds, a connect waits in vain.
                socket.connect(new InetSocketAddress("127.0.0.1", runtimeApiPort), 500);
            } catch (IOException e) {
                socket.close();
                break;
            }
            flood.add(socket);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("Runtime API could not accept a connection"));
        long cpuBefore = cpuTicks();
        Thread.sleep(2_000);
        long cpuTicks = cpuTicks() - cpuBefore;
        // A spinning loop would take ~200 ticks (a core for 2 s); a paused one takes a few.
        assertThat(cpuTicks).as("server CPU ticks (1/100 s) in 2 s of exhausted descriptors").isLessThan(100);
        for (Socket socket : flood) {
            socket.close();
        }
        flood.clear();
        deployAndInvoke(base);
    }

    private URI startServer() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        server = new ProcessBuilder("bash", "-c", "ulimit -n " + FILE_DESCRIPTORS + " && exec \"$0\" \"$@\"",
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-Daloft.home=" + Path.of("..").toAbsolutePath().normalize(),
                "-cp", System.getProperty("java.class.path"), "dev.aloft.server.cli.AloftCommand",
                "up", "--no-examples", "--port", Integer.toString(port), "--data", data.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("Aloft is running"));
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The server serves /health again, and a new function deploys and answers (a new runtime connects). */
    private void deployAndInvoke(URI base) throws Exception {
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

    /** The TCP ports the server listens on: /proc/net/tcp's listeners whose socket is one of its descriptors. */
    private List<Integer> listeningPorts() throws IOException {
        Set<String> sockets = new HashSet<>();
        try (Stream<Path> open = Files.list(Path.of("/proc", Long.toString(server.pid()), "fd"))) {
            for (Path fd : open.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        sockets.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // It closed while listed: not a listener of interest.
                }
            }
        }
        List<Integer> ports = new ArrayList<>();
        // Java's sockets are IPv6 ones where the host has IPv6: 127.0.0.1 then shows in tcp6.
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, the inode is the tenth field.
                if (fields[3].equals("0A") && sockets.contains(fields[9])) {
                    ports.add(Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }

    /** The server's user and system CPU so far, in clock ticks (/proc/PID/stat fields 14 and 15). */
    private long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(server.pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private long openFileDescriptors() throws IOException {
        try (Stream<Path> open = Files.list(Path.of("/proc", Long.toString(server.pid()), "fd"))) {
            return open.count();
        }
    }
}
