package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Aloft's runtime clients send an invocation's answer and the request for the next invocation in
 * one write. An answer over the 6 MB limit is refused: that invocation fails, and the same
 * instance must still take the next one.
 */
class OversizedAnswerTest {

    private static final Path HELLO_JAVA = Path.of("../examples/hello-java/target/hello-java.jar").toAbsolutePath();
    static TestPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        platform = TestPlatform.start();
        platform.deployFunction("node-big", "nodejs20", "index.handler", "node-big");
        platform.deployFunction("py-big", "python3", "app.handler", "python-big");
        var java = TestPlatform.deployBody("java25", "example.fixtures.Big::handleRequest", Files.readAllBytes(HELLO_JAVA));
        java.put("memoryMb", 256);
        var deployed = platform.deploy("java-big", java);
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"node-big", "py-big", "java-big"})
    void anAnswerOverSixMegabytesFailsOnlyThatInvocation(String function) {
        var small = succeeded(platform.invoke(function, "{\"mb\": 1}"));
        JsonNode error = platform.invokeError(function, "{\"mb\": 7}");
        assertThat(error.path("errorType").asText()).as(error.toString()).isEqualTo("Function.ResponseSizeTooLarge");
        var after = succeeded(platform.invoke(function, "{\"mb\": 1}"));
        assertThat(instanceOf(after)).isNotEmpty().isEqualTo(instanceOf(small));
    }

    private static HttpResponse<String> succeeded(HttpResponse<String> invocation) {
        assertThat(invocation.headers().firstValue("X-Aloft-Function-Error")).as(invocation.body()).isEmpty();
        assertThat(TestPlatform.parse(invocation.body()).path("text").asText()).hasSize(1024 * 1024);
        return invocation;
    }

    private static String instanceOf(HttpResponse<String> invocation) {
        String id = invocation.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
        return TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body()).path("instanceId").asText();
    }
}
