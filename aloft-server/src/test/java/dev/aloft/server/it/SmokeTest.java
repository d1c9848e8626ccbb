package dev.aloft.server.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    @Test
    void providedShellFunctionAnswers() {
        platform.deployFunction("echo", "provided", "echo", "shell-echo");
        var response = platform.invoke("echo", "{\"a\":1}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"echo\":{\"a\":1}}");
        var second = platform.invoke("echo", "{\"a\":2}");
        assertThat(second.body()).isEqualTo("{\"echo\":{\"a\":2}}");
    }
}
