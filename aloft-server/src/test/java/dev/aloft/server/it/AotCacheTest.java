package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The build trains an AOT cache for the Java bootstrap, and every Java instance starts with it. */
class AotCacheTest {

    private static final Path HELLO_JAVA = Path.of("../examples/hello-java/target/hello-java.jar").toAbsolutePath();
    private static final Path AOT_DIR = AloftServer.aloftHome().resolve("aloft-runtime-java/target/aot");
    static TestPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        platform = TestPlatform.start();
        var body = TestPlatform.deployBody("java25", "example.fixtures.JvmFlags::handleRequest",
                Files.readAllBytes(HELLO_JAVA));
        var response = platform.deploy("java-flags", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    @Test
    void theBuildTrainsACacheForTheJarsOfTheRuntimeClassPath() throws Exception {
        Path cache = AOT_DIR.resolve("java-runtime.aot");
        assertThat(cache).isRegularFile();
        assertThat(Files.size(cache)).isGreaterThan(1024 * 1024);
        List<String> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(AOT_DIR.resolveSibling("lib"))) {
            lib.map(jar -> jar.getFileName().toString()).sorted().forEach(jars::add);
        }
        assertThat(Files.readAllLines(AOT_DIR.resolve("java-runtime.classpath")))
                .extracting(line -> line.split("\t")[0])
                .containsExactlyElementsOf(jars);
    }

    @Test
    void aJavaInstanceIsStartedWithTheCacheAndTheJvmMapsIt() {
        HttpResponse<String> response = platform.invoke("java-flags", "{}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode jvm = TestPlatform.parse(response.body());
        String cache = AOT_DIR.resolve("java-runtime.aot").toString();
        List<String> flags = new ArrayList<>();
        jvm.path("inputArguments").forEach(flag -> flags.add(flag.asText()));
        assertThat(flags).contains("-XX:AOTCache=" + cache);
        // Named is not enough: a cache the JVM refuses (other module flags, say) is silently unused.
        List<String> mapped = new ArrayList<>();
        jvm.path("mappedArchives").forEach(file -> mapped.add(file.asText()));
        assertThat(mapped).as(response.body()).contains(cache);
    }
}
