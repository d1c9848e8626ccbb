package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java bootstrap in real JVMs: AWS RequestHandlers with POJO mapping, our Handler, errors, init failures. */
class JavaRuntimeTest {

    private static final Path HELLO_JAVA = Path.of("../examples/hello-java/target/hello-java.jar").toAbsolutePath();
    static TestPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        platform = TestPlatform.start();
        byte[] jar = Files.readAllBytes(HELLO_JAVA);
        for (String[] java : new String[][]{
                {"java-hello", "example.Hello::handleRequest"},
                {"java-greeter", "example.Greeter"},
                {"java-pojo", "example.fixtures.PojoEcho::handleRequest"},
                {"java-fail", "example.fixtures.Fail::handleRequest"},
                {"java-badinit", "example.fixtures.BadInit::handleRequest"},
                {"java-missing", "example.NoSuchClass::handleRequest"}}) {
            var body = TestPlatform.deployBody("java25", java[1], jar);
            body.put("memoryMb", 256);
            var response = platform.deploy(java[0], body);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    private static JsonNode ok(String function, String payload) {
        HttpResponse<String> response = platform.invoke(function, payload);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).as(response.body()).isEmpty();
        return TestPlatform.parse(response.body());
    }

    private static JsonNode error(String function, String payload) {
        HttpResponse<String> response = platform.invoke(function, payload);
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).as(response.body()).contains("Unhandled");
        return TestPlatform.parse(response.body());
    }

    @Test
    void javaRequestHandlerOurHandlerAndPojoMapping() {
        assertThat(ok("java-hello", "{\"name\":\"Ada\"}").path("message").asText()).isEqualTo("Hello, Ada from Java");
        JsonNode greeting = ok("java-greeter", "{\"name\":\"Bo\"}");
        assertThat(greeting.path("greeting").asText()).contains("Bo");
        assertThat(greeting.path("remainingMs").asLong()).isPositive();
        JsonNode receipt = ok("java-pojo", "{\"item\":\"tea\",\"quantity\":3}");
        assertThat(receipt.toString()).contains("tea").contains("3");
    }

    @Test
    void javaErrorsAndInitFailures() {
        JsonNode fail = error("java-fail", "{}");
        assertThat(fail.path("errorType").asText()).contains("IllegalStateException");
        assertThat(fail.path("errorMessage").asText()).contains("boom");
        assertThat(error("java-badinit", "{}").toString()).contains("BadInit");
        assertThat(error("java-missing", "{}").path("errorMessage").asText()).contains("example.NoSuchClass");
    }
}
