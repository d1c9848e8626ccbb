package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conformance with code nobody here wrote: AWS's official Java runtime interface client 2.10.1,
 * unchanged, runs as a {@code provided} function (assembled by conformance/java-ric-function).
 */
class JavaRuntimeInterfaceClientTest {

    private static final Path FUNCTION = Path.of("../conformance/java-ric-function/target/function").toAbsolutePath();
    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
        var body = TestPlatform.deployBody("provided", "example.Hello::handleRequest", TestPlatform.zip(FUNCTION));
        body.put("memoryMb", 512);
        body.putObject("environment").put("JAVA_HOME", System.getProperty("java.home"));
        var response = platform.deploy("ric-hello", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    @Test
    void awsRuntimeClientRunsAHandlerAndIsReusedWarm() {
        var first = platform.invoke("ric-hello", "{\"name\":\"RIC\"}");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Aloft-Function-Error")).isEmpty();
        JsonNode result = TestPlatform.parse(first.body());
        assertThat(result.path("message").asText()).isEqualTo("Hello, RIC from Java");
        assertThat(result.path("requestId").asText()).isEqualTo(first.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow());

        var second = platform.invoke("ric-hello", "{\"name\":\"again\"}");
        assertThat(TestPlatform.parse(second.body()).path("message").asText()).isEqualTo("Hello, again from Java");
        assertThat(platform.server.liveInstances("ric-hello")).isEqualTo(1);
    }

    @Test
    void awsRuntimeClientReportsABadHandlerAsAFunctionError() {
        var body = TestPlatform.deployBody("provided", "example.DoesNotExist::handleRequest", TestPlatform.zip(FUNCTION));
        body.putObject("environment").put("JAVA_HOME", System.getProperty("java.home"));
        body.put("memoryMb", 512);
        assertThat(platform.deploy("ric-broken", body).statusCode()).isEqualTo(201);

        var response = platform.invoke("ric-broken", "{}");
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).contains("Unhandled");
        assertThat(response.body()).contains("example.DoesNotExist");
    }
}
