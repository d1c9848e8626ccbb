package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    @Test
    void javaRequestHandlerOurHandlerAndPojoMapping() {
        assertThat(platform.invokeOk("java-hello", "{\"name\":\"Ada\"}").path("message").asText()).isEqualTo("Hello, Ada from Java");
        JsonNode greeting = platform.invokeOk("java-greeter", "{\"name\":\"Bo\"}");
        assertThat(greeting.path("greeting").asText()).contains("Bo");
        assertThat(greeting.path("remainingMs").asLong()).isPositive();
        JsonNode receipt = platform.invokeOk("java-pojo", "{\"item\":\"tea\",\"quantity\":3}");
        assertThat(receipt.toString()).contains("tea").contains("3");
    }

    @Test
    void javaErrorsAndInitFailures() {
        JsonNode fail = platform.invokeError("java-fail", "{}");
        assertThat(fail.path("errorType").asText()).contains("IllegalStateException");
        assertThat(fail.path("errorMessage").asText()).contains("boom");
        assertThat(platform.invokeError("java-badinit", "{}").toString()).contains("BadInit");
        assertThat(platform.invokeError("java-missing", "{}").path("errorMessage").asText()).contains("example.NoSuchClass");
    }
}
