package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.AloftServer;
import dev.aloft.server.ServerSettings;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** A real Aloft server on a free port with a fresh data directory, and an HTTP client for it. */
public final class TestPlatform implements AutoCloseable {

    public static final ObjectMapper JSON = new ObjectMapper();
    /** Test functions, as directories (see src/test/resources/functions). */
    public static final Path FUNCTIONS = Path.of("src/test/resources/functions").toAbsolutePath();

    private static final long FIXED_ZIP_TIME = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    public final AloftServer server;
    public final Path dataDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestPlatform(AloftServer server, Path dataDir) {
        this.server = server;
        this.dataDir = dataDir;
    }

    public static TestPlatform start() {
        return start(settings -> settings);
    }

    public static TestPlatform start(UnaryOperator<ServerSettings> customize) {
        return start(customize, InstantSource.system());
    }

    public static TestPlatform start(UnaryOperator<ServerSettings> customize, InstantSource clock) {
        try {
            // Under target/, not /tmp: every function has a private /tmp, which would hide a data
            // dir there anyway and so prove nothing about hiding it.
            Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target/test-data")), "aloft-");
            return new TestPlatform(AloftServer.start(customize.apply(ServerSettings.defaults(data, 0)), clock), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new server on the data directory of a stopped one. */
    public static TestPlatform restart(Path dataDir) {
        return restart(dataDir, settings -> settings);
    }

    public static TestPlatform restart(Path dataDir, UnaryOperator<ServerSettings> customize) {
        return restart(dataDir, customize, InstantSource.system());
    }

    public static TestPlatform restart(Path dataDir, UnaryOperator<ServerSettings> customize, InstantSource clock) {
        return new TestPlatform(AloftServer.start(customize.apply(ServerSettings.defaults(dataDir, 0)), clock), dataDir);
    }

    /** How many instances of the function's $LATEST are in {@code state} (idle, initialising, busy), from the scaling API. */
    public int instances(String name, String state) {
        return parse(get("/api/v1/functions/" + name + "/scaling").body()).path("pools").path(0).path("instances")
                .path(state).asInt();
    }

    /** A counter or gauge from {@code /metrics}, e.g. {@code aloft_instances_live{function="x"}}; 0 while it is not there. */
    public long metric(String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\d+)$").matcher(get("/metrics").body());
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    /**
     * {@code callers} clients each invoke the function {@code calls} times in a row, every answer
     * expected to be 200; returns the instances that answered.
     */
    public Set<String> invokeTogether(String name, String payload, int callers, int calls) throws Exception {
        Set<String> instances = ConcurrentHashMap.newKeySet();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> loops = new ArrayList<>();
            for (int client = 0; client < callers; client++) {
                loops.add(clients.submit(() -> {
                    for (int i = 0; i < calls; i++) {
                        var response = invoke(name, payload);
                        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                        instances.add(parse(response.body()).path("instance").asText());
                    }
                    return null;
                }));
            }
            for (Future<?> loop : loops) {
                loop.get();
            }
        }
        return instances;
    }

    /** Host processes running code of this hash (the sandbox names the code dir in their arguments). */
    public static long processesRunning(String codeSha256) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(codeSha256))
                .count();
    }

    public URI url(String path) {
        return server.baseUrl().resolve(path);
    }

    /** A deploy body for {@code PUT /api/v1/functions/NAME}; tests adjust fields before sending. */
    public static ObjectNode deployBody(String runtime, String handler, byte[] zip) {
        ObjectNode body = JSON.createObjectNode();
        body.put("runtime", runtime);
        body.put("handler", handler);
        body.put("zipBase64", Base64.getEncoder().encodeToString(zip));
        return body;
    }

    public HttpResponse<String> deploy(String name, ObjectNode body) {
        return send(HttpRequest.newBuilder(url("/api/v1/functions/" + name)).PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    /** Deploys a test function directory and fails the test unless it was accepted. */
    public JsonNode deployFunction(String name, String runtime, String handler, String directory) {
        HttpResponse<String> response = deploy(name, deployBody(runtime, handler, zip(FUNCTIONS.resolve(directory))));
        if (response.statusCode() / 100 != 2) {
            throw new AssertionError("deploy of " + name + " failed: " + response.statusCode() + " " + response.body());
        }
        return parse(response.body());
    }

    public HttpResponse<String> invoke(String name, String payload) {
        return send(HttpRequest.newBuilder(url("/api/v1/functions/" + name + "/invoke"))
                .POST(HttpRequest.BodyPublishers.ofString(payload)));
    }

    /** Invokes and fails the test unless the function succeeded; returns its parsed result. */
    public JsonNode invokeOk(String name, String payload) {
        HttpResponse<String> response = invoke(name, payload);
        if (response.statusCode() != 200 || response.headers().firstValue("X-Aloft-Function-Error").isPresent()) {
            throw new AssertionError("invoke of " + name + " did not succeed: " + response.statusCode() + " " + response.body());
        }
        return parse(response.body());
    }

    /** Invokes and fails the test unless the function failed; returns its parsed error. */
    public JsonNode invokeError(String name, String payload) {
        HttpResponse<String> response = invoke(name, payload);
        if (!"Unhandled".equals(response.headers().firstValue("X-Aloft-Function-Error").orElse(""))) {
            throw new AssertionError("invoke of " + name + " did not fail: " + response.statusCode() + " " + response.body());
        }
        return parse(response.body());
    }

    /** Submits an asynchronous invocation and fails the test unless it was accepted; returns its invocation id. */
    public String submitEvent(String name, String payload) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(url("/api/v1/functions/" + name + "/invoke"))
                .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString(payload)));
        if (response.statusCode() != 202) {
            throw new AssertionError("async invoke of " + name + " was not accepted: " + response.statusCode() + " " + response.body());
        }
        return parse(response.body()).path("invocationId").asText();
    }

    /** The ledger record of an invocation. */
    public JsonNode invocation(String id) {
        return parse(get("/api/v1/invocations/" + id).body());
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(url(path)).GET());
    }

    /** Sends with the admin credential. */
    public HttpResponse<String> send(HttpRequest.Builder request) {
        return sendRaw(request.header("Authorization", "Bearer " + server.adminToken()));
    }

    /** Sends as given: no credential added. */
    public HttpResponse<String> sendRaw(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** Zips a directory the way `aloft deploy --code DIR` does. */
    public static byte[] zip(Path dir) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(entry(dir.relativize(file).toString()));
                zip.write(Files.readAllBytes(file));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * An entry with a fixed time: ZipOutputStream stamps the current time otherwise, so the same
     * files zipped on either side of a 2-second boundary made different code (and a redeploy).
     */
    private static ZipEntry entry(String name) {
        ZipEntry entry = new ZipEntry(name);
        entry.setTime(FIXED_ZIP_TIME);
        return entry;
    }

    /** A zip with the given (name, content) entries, names taken literally. */
    public static byte[] zipOf(List<String[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String[] entry : entries) {
                zip.putNextEntry(entry(entry[0]));
                zip.write(entry[1].getBytes());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void close() {
        server.close();
    }
}
