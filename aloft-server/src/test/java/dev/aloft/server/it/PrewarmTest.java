package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.ServerSettings;
import dev.aloft.server.functions.Runtime;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Prewarmed generic processes: cold starts take them, they become exactly one function, the pool refills. */
class PrewarmTest {

    private static final Path HELLO_JAVA = Path.of("../examples/hello-java/target/hello-java.jar").toAbsolutePath();
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);

    private static long metric(TestPlatform platform, String name, String runtime) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{runtime=\"" + runtime + "\"} (\\d+)$")
                .matcher(platform.get("/metrics").body());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static void awaitReady(TestPlatform platform, String runtime, int count) {
        await().atMost(READY_WITHIN).until(() -> metric(platform, "aloft_prewarmed_ready", runtime) == count);
    }

    /** A Node function whose package is the reporting handler plus one marker file of its own. */
    private static void deployNode(TestPlatform platform, String name, Map<String, String> environment) throws Exception {
        String handler = Files.readString(TestPlatform.FUNCTIONS.resolve("node-prewarmed/index.mjs"));
        var body = TestPlatform.deployBody("nodejs20", "index.handler",
                TestPlatform.zipOf(List.of(new String[]{"index.mjs", handler}, new String[]{name + ".txt", name})));
        body.set("environment", TestPlatform.JSON.valueToTree(environment));
        var response = platform.deploy(name, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    /** The function's newest ledger record, as the API shows it. */
    private static JsonNode newestRecord(TestPlatform platform, String function) {
        return TestPlatform.parse(platform.get("/api/v1/invocations?function=" + function + "&limit=1").body())
                .path("invocations").get(0);
    }

    private static Optional<Path> memoryLimitFile(String instanceId) {
        return List.of(Path.of("/sys/fs/cgroup/memory/aloft", instanceId, "memory.limit_in_bytes"),
                Path.of("/sys/fs/cgroup/aloft", instanceId, "memory.max")).stream().filter(Files::exists).findFirst();
    }

    @Test
    void aColdStartBindsAPrewarmedProcessToExactlyOneFunction() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "nodejs20=1"))) {
            awaitReady(platform, "nodejs20", 1);
            deployNode(platform, "alpha", Map.of("GREETING", "hi from alpha"));
            deployNode(platform, "beta", Map.of("GREETING", "hi from beta"));

            JsonNode alpha = platform.invokeOk("alpha", "{}");
            assertThat(metric(platform, "aloft_prewarmed_taken_total", "nodejs20")).isEqualTo(1);
            awaitReady(platform, "nodejs20", 1);
            JsonNode beta = platform.invokeOk("beta", "{}");
            assertThat(metric(platform, "aloft_prewarmed_taken_total", "nodejs20")).isEqualTo(2);
            // A taken process's budget memory passes to its instance: two instances and the refill.
            awaitReady(platform, "nodejs20", 1);
            assertThat(gauge(platform, "aloft_memory_used_mb")).isEqualTo(3 * 256);

            for (var seen : List.of(Map.entry("alpha", alpha), Map.entry("beta", beta))) {
                String name = seen.getKey();
                JsonNode report = seen.getValue();
                assertThat(report.path("fn").asText()).isEqualTo(name);
                assertThat(report.path("memory").asText()).isEqualTo("256");
                assertThat(report.path("greeting").asText()).isEqualTo("hi from " + name);
                assertThat(report.path("bindFlag").isNull()).isTrue();
                // Its own code, nothing of the other function's, and read-only.
                assertThat(report.path("files").toString()).isEqualTo("[\"" + name + ".txt\",\"index.mjs\"]");
                assertThat(report.path("codeWritable").asBoolean()).isFalse();
                // A /tmp of its own: the other function's file is not there. (It may hold the parents of
                // runtime files when Aloft itself lives under /tmp; the sandbox makes those.)
                assertThat(texts(report.path("tmpBefore"))).doesNotContain("alpha", "beta");
            }

            JsonNode record = newestRecord(platform, "alpha");
            assertThat(record.path("cold").asBoolean()).isTrue();
            assertThat(record.path("prewarmed").asText()).isEqualTo("true");
            // The cgroup limit is the function's memory, as for a fresh instance.
            memoryLimitFile(record.path("instanceId").asText()).ifPresent(limit ->
                    assertThat(readLong(limit)).isEqualTo(256L * 1024 * 1024));
            // Warm invocations reuse the bound instance; it never goes back to the pool.
            assertThat(texts(platform.invokeOk("alpha", "{}").path("tmpBefore"))).contains("alpha").doesNotContain("beta");
            assertThat(metric(platform, "aloft_prewarmed_taken_total", "nodejs20")).isEqualTo(2);
            JsonNode warm = newestRecord(platform, "alpha");
            assertThat(warm.path("instanceId").asText()).isEqualTo(record.path("instanceId").asText());
            assertThat(warm.path("cold").asBoolean()).isFalse();
            assertThat(warm.path("prewarmed").asText()).isEqualTo("false");
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }

    private static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void pythonAndJavaFunctionsTakeTheirRuntimesProcesses() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "python3=1,java25=1"))) {
            awaitReady(platform, "python3", 1);
            awaitReady(platform, "java25", 1);
            platform.deployFunction("py", "python3", "app.handler", "python-echo");
            JsonNode echo = platform.invokeOk("py", "{\"x\":1}");
            assertThat(echo.path("fn").asText()).isEqualTo("py");
            assertThat(echo.path("echo").path("x").asInt()).isEqualTo(1);
            assertThat(metric(platform, "aloft_prewarmed_taken_total", "python3")).isEqualTo(1);

            var body = TestPlatform.deployBody("java25", "example.Hello::handleRequest", Files.readAllBytes(HELLO_JAVA));
            assertThat(platform.deploy("jv", body).statusCode()).isEqualTo(201);
            assertThat(platform.invokeOk("jv", "{\"name\":\"Ada\"}").path("message").asText()).isEqualTo("Hello, Ada from Java");
            assertThat(metric(platform, "aloft_prewarmed_taken_total", "java25")).isEqualTo(1);
            // The handler's log line belongs to its invocation, though the process started unbound.
            await().atMost(Duration.ofSeconds(5)).until(() -> platform.get("/api/v1/functions/jv/logs").body().contains("hello invoked"));
        }
    }

    @Test
    void functionsThePoolCannotServeAtOnceStartFresh() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "nodejs20=1"))) {
            awaitReady(platform, "nodejs20", 1);
            // NODE_OPTIONS is read only as node starts: a running process cannot take it on.
            deployNode(platform, "tuned", Map.of("NODE_OPTIONS", "--max-old-space-size=100"));
            assertThat(platform.invokeOk("tuned", "{}").path("fn").asText()).isEqualTo("tuned");
            assertStartedFresh(newestRecord(platform, "tuned"));
            // The pool's processes have the pool's memory limit; this function wants another (the
            // pool learns the size from this cold start, too late for it).
            String handler = Files.readString(TestPlatform.FUNCTIONS.resolve("node-prewarmed/index.mjs"));
            var big = TestPlatform.deployBody("nodejs20", "index.handler", TestPlatform.zipOf(List.<String[]>of(new String[]{"index.mjs", handler})));
            big.put("memoryMb", 512);
            assertThat(platform.deploy("big", big).statusCode()).isEqualTo(201);
            assertThat(platform.invokeOk("big", "{}").path("memory").asText()).isEqualTo("512");
            assertStartedFresh(newestRecord(platform, "big"));
            assertThat(metric(platform, "aloft_prewarmed_taken_total", "nodejs20")).isZero();
        }
    }

    /** A cold start that started a process of its own says so in the ledger. */
    private static void assertStartedFresh(JsonNode record) {
        assertThat(record.path("cold").asBoolean()).isTrue();
        assertThat(record.path("prewarmed").asText()).isEqualTo("false");
    }

    @Test
    void aMemorySizeColdStartsWantTeachesThePoolThatSize() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "nodejs20=1"))) {
            awaitReady(platform, "nodejs20", 1);
            String handler = Files.readString(TestPlatform.FUNCTIONS.resolve("node-prewarmed/index.mjs"));
            byte[] zip = TestPlatform.zipOf(List.<String[]>of(new String[]{"index.mjs", handler}));
            for (String run : List.of("1", "2")) {
                var body = TestPlatform.deployBody("nodejs20", "index.handler", zip);
                body.put("memoryMb", 512);
                body.set("environment", TestPlatform.JSON.valueToTree(Map.of("RUN", run)));
                assertThat(platform.deploy("big", body).statusCode()).isIn(200, 201);
                assertThat(platform.invokeOk("big", "{}").path("memory").asText()).isEqualTo("512");
                // The first cold start of this size found no process and started afresh; from then on
                // the pool keeps one of 512 MB beside the configured 256 MB one.
                awaitReady(platform, "nodejs20", 2);
            }
            assertThat(metric(platform, "aloft_prewarmed_taken_total", "nodejs20")).isEqualTo(1);
            JsonNode record = newestRecord(platform, "big");
            // The second run's cold start took the process of the learned size.
            assertThat(record.path("prewarmed").asText()).isEqualTo("true");
            memoryLimitFile(record.path("instanceId").asText()).ifPresent(limit ->
                    assertThat(readLong(limit)).isEqualTo(512L * 1024 * 1024));
        }
    }

    @Test
    void aPrewarmedProcessThatDiesIsReplaced() {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "python3=1"))) {
            awaitReady(platform, "python3", 1);
            ProcessHandle bootstrap = bootstraps("bootstrap.py").getFirst();
            bootstrap.destroyForcibly();
            await().atMost(READY_WITHIN).until(() -> {
                List<ProcessHandle> now = bootstraps("bootstrap.py");
                return now.size() == 1 && now.getFirst().pid() != bootstrap.pid()
                        && metric(platform, "aloft_prewarmed_ready", "python3") == 1;
            });
        }
    }

    @Test
    void aRetiredPrewarmedProcessLosesItsEndpoint() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "python3=1"))) {
            awaitReady(platform, "python3", 1);
            ProcessHandle bootstrap = bootstraps("bootstrap.py").getFirst();
            Matcher endpoint = Pattern.compile("\0AWS_LAMBDA_RUNTIME_API=([^\0]+)\0").matcher("\0" + Files.readString(
                    Path.of("/proc", Long.toString(bootstrap.pid()), "environ"), StandardCharsets.ISO_8859_1));
            assertThat(endpoint.find()).isTrue();
            bootstrap.destroyForcibly();
            await().atMost(READY_WITHIN).until(() -> metric(platform, "aloft_prewarmed_ready", "python3") == 1
                    && bootstraps("bootstrap.py").stream().noneMatch(p -> p.pid() == bootstrap.pid()));

            // Before, the retired process's session stayed registered: one map entry leaked per
            // retired prewarmed process, and its endpoint answered 410 instead of 403.
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> bind = http.send(HttpRequest.newBuilder(
                        URI.create("http://" + endpoint.group(1) + "/aloft/bind")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(bind.statusCode()).as(bind.body()).isEqualTo(403);
            }
        }
    }

    /** The server's descendant processes running a runtime bootstrap (not the sandbox wrappers). */
    private static List<ProcessHandle> bootstraps(String script) {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> !c.endsWith("bwrap") && !c.endsWith("sh")).orElse(false))
                .filter(p -> p.info().commandLine().orElse("").contains(script))
                .toList();
    }

    private static long gauge(TestPlatform platform, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)$").matcher(platform.get("/metrics").body());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Test
    void prewarmedProcessesHoldBudgetMemoryAndGiveWayToAFunction() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "nodejs20=1").with("memory-budget-mb", "512"))) {
            awaitReady(platform, "nodejs20", 1);
            assertThat(gauge(platform, "aloft_memory_used_mb")).isEqualTo(256);
            // A 512 MB function needs the whole budget: the unbound process is stopped for it.
            String handler = Files.readString(TestPlatform.FUNCTIONS.resolve("node-prewarmed/index.mjs"));
            var big = TestPlatform.deployBody("nodejs20", "index.handler", TestPlatform.zipOf(List.<String[]>of(new String[]{"index.mjs", handler})));
            big.put("memoryMb", 512);
            assertThat(platform.deploy("big", big).statusCode()).isEqualTo(201);
            assertThat(platform.invokeOk("big", "{}").path("fn").asText()).isEqualTo("big");
            assertThat(metric(platform, "aloft_prewarmed_ready", "nodejs20")).isZero();
            assertThat(gauge(platform, "aloft_memory_used_mb")).isEqualTo(512);
        }
    }

    /** A {@code provided} function of {@code memoryMb}: the prewarm pool cannot serve it, only make room for it. */
    private static ObjectNode behave(int memoryMb) {
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("memoryMb", memoryMb);
        return body;
    }

    @Test
    void aClaimThePrewarmedProcessesCannotCoverLeavesThemRunning() {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "python3=1").with("memory-budget-mb", "768")
                .with("queue-wait-ms", "500"))) {
            awaitReady(platform, "python3", 1);
            ProcessHandle kept = bootstraps("bootstrap.py").getFirst();
            assertThat(platform.deploy("holder", behave(512)).statusCode()).isEqualTo(201);
            assertThat(platform.deploy("claimant", behave(512)).statusCode()).isEqualTo(201);
            var holding = CompletableFuture.supplyAsync(() -> platform.invoke("holder", "{\"sleep_ms\": 3000}"),
                    task -> Thread.ofVirtual().start(task));
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.instances("holder", "busy") == 1);

            // 256 MB of prewarmed processes cannot make room for 512: the claim waits, then is throttled.
            HttpResponse<String> throttled = platform.invoke("claimant", "{}");
            assertThat(throttled.statusCode()).as(throttled.body()).isEqualTo(429);
            assertThat(metric(platform, "aloft_prewarmed_ready", "python3")).isEqualTo(1);
            assertThat(kept.isAlive()).isTrue();
            assertThat(holding.join().statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aProvisionedMinimumALoweredBudgetCannotHoldLeavesThePrewarmedProcessesRunning() {
        Path data;
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "none"))) {
            var provisioned = behave(512);
            provisioned.put("minInstances", 2);
            assertThat(platform.deploy("provisioned", provisioned).statusCode()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("provisioned") == 2);
            data = platform.dataDir;
        }
        // The budget was lowered since: one provisioned instance fits beside the pool's process, the
        // second never does, and the upkeep retries it every 250 ms (a quarter of the keep-alive).
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel() == Level.WARNING) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger server = Logger.getLogger("dev.aloft.server");
        server.addHandler(handler);
        try (TestPlatform platform = TestPlatform.restart(data, s -> s.with("prewarm", "python3=1")
                .with("memory-budget-mb", "768").with("keep-alive-seconds", "1"))) {
            awaitReady(platform, "python3", 1);
            ProcessHandle kept = bootstraps("bootstrap.py").getFirst();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> kept.isAlive()
                    && metric(platform, "aloft_prewarmed_ready", "python3") == 1 && platform.server.liveInstances("provisioned") == 1);
        } finally {
            server.removeHandler(handler);
        }
        // Said at the start, and the shortfall once, not at each of the retries.
        assertThat(warnings).filteredOn(message -> message.contains("the deployed functions keep 1024 MB")).hasSize(1);
        assertThat(warnings).filteredOn(message -> message.startsWith("provisioning provisioned failed")).hasSize(1);
    }

    @Test
    void codeSlotsLeftByAKilledServerAreRemovedAtStart() throws Exception {
        Path data;
        try (TestPlatform platform = TestPlatform.start(s -> s.with("prewarm", "none"))) {
            data = platform.dataDir;
        }
        // What a kill -9 leaves: a slot with linked code and no process.
        Path leftover = Files.createDirectories(data.resolve("code/.slots/0123456789abcdef/lib"));
        Files.writeString(leftover.resolve("index.mjs"), "export const handler = () => 1;");
        try (TestPlatform _ = TestPlatform.restart(data)) {
            assertThat(data.resolve("code/.slots/0123456789abcdef")).doesNotExist();
        }
    }

    @Test
    void thePrewarmSettingIsValidated() {
        Path data = Path.of("target/test-data/prewarm-settings");
        assertThatThrownBy(() -> ServerSettings.defaults(data, 0).with("prewarm", "nodejs20"))
                .isInstanceOf(AloftException.class).hasMessageContaining("RUNTIME=COUNT");
        assertThatThrownBy(() -> ServerSettings.defaults(data, 0).with("prewarm", "cobol=1"))
                .isInstanceOf(AloftException.class).hasMessageContaining("unknown runtime 'cobol'");
        assertThatThrownBy(() -> ServerSettings.defaults(data, 0).with("prewarm", "provided=1"))
                .isInstanceOf(AloftException.class).hasMessageContaining("function's own code");
        assertThatThrownBy(() -> ServerSettings.defaults(data, 0).with("prewarm", "python3=100"))
                .isInstanceOf(AloftException.class).hasMessageContaining("between 0 and 64");
        assertThat(ServerSettings.defaults(data, 0).with("prewarm", "none").prewarm()).isEmpty();
        assertThat(ServerSettings.defaults(data, 0).with("prewarm", "java25=2").prewarm())
                .containsExactly(Map.entry(Runtime.JAVA25, 2));
    }
}
