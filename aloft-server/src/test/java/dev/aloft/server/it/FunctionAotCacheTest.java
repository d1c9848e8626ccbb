package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.AloftServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Java function with provisioned instances, or with a few fresh starts, gets an AOT cache of
 * its own, trained in the background; its later fresh starts map it and load the handler from the class path. Other code
 * never uses it, and a damaged one falls back to the runtime's cache. Either way the function's
 * loose resources come from the task root, as {@code file:} URLs, and one a function jar also holds
 * is the root's copy. No prewarm pool, so every start is fresh.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FunctionAotCacheTest {

    private static final Path HELLO_JAVA = Path.of("../examples/hello-java/target/hello-java.jar").toAbsolutePath();
    private static final String RUNTIME_CACHE = AloftServer.aloftHome()
            .resolve("aloft-runtime-java/target/aot/java-runtime.aot").toString();
    private static final String HANDLER = "example.fixtures.JvmFlags::handleRequest";
    /** FunctionAotCaches.FRESH_STARTS_BEFORE_TRAINING (package-private in instances). */
    private static final int FRESH_STARTS = 3;
    /** JvmFlags reports where its loader finds these (see withResources). */
    private static final String RESOURCES_EVENT = "{\"resources\": [\"greeting.txt\", \"shadowed.txt\"]}";
    static TestPlatform platform;
    static byte[] code;
    static String codeSha256;

    @BeforeAll
    static void start() throws Exception {
        platform = TestPlatform.start(s -> s.with("prewarm", "none"));
        code = withResources(Files.readAllBytes(HELLO_JAVA));
        JsonNode deployed = deploy(code, 1, Map.of());
        codeSha256 = deployed.path("codeSha256").asText();
        assertThat(codeSha256).as(deployed.toString()).hasSize(64);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    @Test
    @Order(1)
    void aProvisionedFunctionGetsItsCacheTrainedAndALaterFreshStartMapsIt() throws IOException {
        Path dir = await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                .until(() -> cacheDir(codeSha256), Optional::isPresent).orElseThrow();
        Path cache = dir.resolve("function.aot");
        assertThat(cache).isRegularFile();
        // The archive names every class it holds; the function's handler must be one of them.
        assertThat(new String(Files.readAllBytes(cache), StandardCharsets.ISO_8859_1))
                .as("the cache holds the function's handler class").contains("example/fixtures/JvmFlags");

        // A configuration change retires the provisioned instance started before the cache existed.
        deploy(code, 1, Map.of("GENERATION", "2"));
        JsonNode jvm = platform.invokeOk("aot-fn", RESOURCES_EVENT);
        assertThat(flags(jvm)).as(jvm.toString()).contains("-XX:AOTCache=" + cache);
        assertThat(strings(jvm.path("mappedArchives"))).as(jvm.toString()).contains(cache.toString());
        // From the application class loader: the only one whose classes the cache can hold.
        assertThat(jvm.path("classLoader").asText()).isEqualTo("app");
        assertResourcesFromTheTaskRoot(jvm);
    }

    @Test
    @Order(2)
    void otherCodeDoesNotUseTheCache() {
        JsonNode deployed = deploy(withExtraFile(code, "other code"), 0, Map.of());
        assertThat(deployed.path("codeSha256").asText()).isNotEqualTo(codeSha256);
        JsonNode jvm = platform.invokeOk("aot-fn", RESOURCES_EVENT);
        assertThat(flags(jvm)).as(jvm.toString()).contains("-XX:AOTCache=" + RUNTIME_CACHE);
        assertThat(strings(jvm.path("mappedArchives"))).as(jvm.toString()).containsExactly(RUNTIME_CACHE);
        assertThat(jvm.path("classLoader").asText()).isEqualTo("function");
        assertResourcesFromTheTaskRoot(jvm);
    }

    @Test
    @Order(3)
    void aDamagedCacheFallsBackToTheRuntimeCache() throws IOException {
        Path cache = cacheDir(codeSha256).orElseThrow().resolve("function.aot");
        Files.write(cache, "not a cache".getBytes(StandardCharsets.UTF_8));
        deploy(code, 0, Map.of("GENERATION", "3"));
        JsonNode jvm = platform.invokeOk("aot-fn", "{}");
        assertThat(flags(jvm)).as(jvm.toString()).contains("-XX:AOTCache=" + RUNTIME_CACHE);
        assertThat(strings(jvm.path("mappedArchives"))).as(jvm.toString()).containsExactly(RUNTIME_CACHE);
        assertThat(jvm.path("classLoader").asText()).isEqualTo("function");

        Files.delete(cache);
        deploy(code, 0, Map.of("GENERATION", "4"));
        assertThat(flags(platform.invokeOk("aot-fn", "{}"))).contains("-XX:AOTCache=" + RUNTIME_CACHE);
    }

    @Test
    @Order(4)
    void aFunctionWithoutProvisionedInstancesGetsItsCacheAfterThreeFreshStarts() throws IOException {
        byte[] other = withExtraFile(code, "often started");
        String sha256 = deploy(other, 0, Map.of()).path("codeSha256").asText();
        for (int start = 1; start <= FRESH_STARTS; start++) {
            assertThat(cacheDir(sha256)).as("after %d fresh starts", start - 1).isEmpty();
            // Each changed configuration retires the instance, so every invocation starts a fresh one.
            deploy(other, 0, Map.of("GENERATION", "often-" + start));
            platform.invokeOk("aot-fn", "{}");
        }
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                .until(() -> cacheDir(sha256), Optional::isPresent);
        // No function runs the first code any more: its cache went before this one was trained.
        assertThat(cacheDir(codeSha256)).isEmpty();
    }

    @Test
    @Order(5)
    void aRestartDeletesCachesNothingCanUseAndKeepsTheOthers() throws IOException {
        String deployedSha256 = TestPlatform.parse(platform.get("/api/v1/functions/aot-fn").body()).path("codeSha256").asText();
        Path current = cacheDir(deployedSha256).orElseThrow();
        String runtime = current.getFileName().toString().substring(deployedSha256.length() + 1);
        Path otherRuntimeBuild = plantCache(current.resolveSibling(deployedSha256 + "-0123456789abcdef"));
        Path codeNotDeployed = plantCache(current.resolveSibling("ab".repeat(32) + "-" + runtime));
        Path data = platform.dataDir;
        platform.close();
        platform = TestPlatform.restart(data);
        assertThat(otherRuntimeBuild).doesNotExist();
        assertThat(codeNotDeployed).doesNotExist();
        assertThat(current.resolve("manifest")).isRegularFile();
    }

    @Test
    @Order(6)
    void turnedOffNoCacheIsKeptUsedOrTrained() throws IOException {
        Path aot = platform.dataDir.toAbsolutePath().resolve("aot");
        Path data = platform.dataDir;
        platform.close();
        platform = TestPlatform.restart(data, s -> s.with("prewarm", "none").with("java-function-aot", "false"));
        try (Stream<Path> left = Files.list(aot)) {
            assertThat(left).as("caches kept with the setting off").isEmpty();
        }
        byte[] other = withExtraFile(code, "turned off");
        for (int start = 1; start <= FRESH_STARTS; start++) {
            deploy(other, 0, Map.of("GENERATION", "off-" + start));
            JsonNode jvm = platform.invokeOk("aot-fn", "{}");
            assertThat(flags(jvm)).contains("-XX:AOTCache=" + RUNTIME_CACHE);
        }
        // Training would start right after the third fresh start and take a few seconds.
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).until(() -> isEmpty(aot));
    }

    private static void assertResourcesFromTheTaskRoot(JsonNode jvm) {
        JsonNode greeting = jvm.path("resources").path("greeting.txt");
        assertThat(greeting.path("text").asText()).as(jvm.toString()).isEqualTo("hello from the root");
        assertThat(greeting.path("url").asText()).as(jvm.toString()).startsWith("file:/").endsWith("/greeting.txt");
        assertThat(jvm.path("resources").path("shadowed.txt").path("text").asText()).as(jvm.toString())
                .isEqualTo("the root's copy");
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static Path plantCache(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("manifest"), "class-path=/old\n");
        return dir;
    }

    private static JsonNode deploy(byte[] zip, int minInstances, Map<String, String> environment) {
        ObjectNode body = TestPlatform.deployBody("java25", HANDLER, zip);
        body.put("minInstances", minInstances);
        ObjectNode env = body.putObject("environment");
        environment.forEach(env::put);
        // The training run initializes the handler too: it must see the loose resources.
        env.put("REQUIRED_RESOURCE", "greeting.txt");
        var response = platform.deploy("aot-fn", body);
        assertThat(response.statusCode() / 100).as(response.body()).isEqualTo(2);
        return TestPlatform.parse(response.body());
    }

    /** The trained cache's directory for this code: present once its manifest is written. */
    private static Optional<Path> cacheDir(String sha256) throws IOException {
        Path aot = platform.dataDir.toAbsolutePath().resolve("aot");
        if (!Files.isDirectory(aot)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(aot)) {
            return dirs.filter(dir -> dir.getFileName().toString().startsWith(sha256 + "-"))
                    .filter(dir -> Files.isRegularFile(dir.resolve("manifest")))
                    .findFirst();
        }
    }

    private static List<String> flags(JsonNode jvm) {
        return strings(jvm.path("inputArguments"));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    /** The same classes with one more file: other code, by its hash. */
    private static byte[] withExtraFile(byte[] jar, String extra) {
        return withFiles(jar, Map.of("extra.txt", extra.getBytes(StandardCharsets.UTF_8)));
    }

    /** Resources at the root, one of them also in a jar under lib/, as a Maven-built Lambda zip can have. */
    private static byte[] withResources(byte[] jar) {
        byte[] libJar = withFiles(new byte[0], Map.of("shadowed.txt", "the lib jar's copy".getBytes(StandardCharsets.UTF_8)));
        return withFiles(jar, Map.of(
                "greeting.txt", "hello from the root".getBytes(StandardCharsets.UTF_8),
                "shadowed.txt", "the root's copy".getBytes(StandardCharsets.UTF_8),
                "lib/shadow.jar", libJar));
    }

    private static byte[] withFiles(byte[] jar, Map<String, byte[]> files) {
        var bytes = new ByteArrayOutputStream();
        try (var in = new ZipInputStream(new ByteArrayInputStream(jar)); var out = new ZipOutputStream(bytes)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
            for (var file : files.entrySet()) {
                out.putNextEntry(new ZipEntry(file.getKey()));
                out.write(file.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
