package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * What a function can touch, proved through the platform with real processes: its own code
 * read-only, a private /tmp, nothing of other functions or of the platform's data, an
 * unprivileged user, and its memory limit.
 */
class SandboxIsolationTest {

    static TestPlatform platform;
    static String otherCodeFile;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
        assumeThat(String.join("\n", platform.server.startupReport()))
                .as("filesystem isolation needs bubblewrap on the host").contains("bubblewrap");
        platform.deployFunction("files-a", "nodejs20", "index.handler", "node-files");
        JsonNode other = platform.deployFunction("other", "nodejs20", "index.handler", "node-ctx");
        otherCodeFile = platform.dataDir.resolve("code").resolve(other.path("codeSha256").asText()).resolve("index.mjs").toString();
        var b = TestPlatform.deployBody("nodejs20", "index.handler", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-files")));
        assertThat(platform.deploy("files-b", b).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    private static JsonNode call(String function, String payload) {
        var response = platform.invoke(function, payload);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestPlatform.parse(response.body());
    }

    @Test
    void ownCodeIsReadableButReadOnly() {
        assertThat(call("files-a", "{\"read\": \"/var/task/index.mjs\"}").path("ok").asBoolean()).isTrue();
        JsonNode write = call("files-a", "{\"write\": \"/var/task/index.mjs\", \"data\": \"hacked\"}");
        assertThat(write.path("ok").asBoolean()).isFalse();
        assertThat(write.path("error").asText()).isIn("EROFS", "EACCES", "EPERM");
    }

    @Test
    void anotherFunctionsCodeAndThePlatformDataAreInvisible() {
        assertThat(call("files-a", "{\"read\": \"" + otherCodeFile + "\"}").path("error").asText()).isEqualTo("ENOENT");
        String token = platform.dataDir.resolve("admin-token").toString();
        assertThat(call("files-a", "{\"read\": \"" + token + "\"}").path("ok").asBoolean()).isFalse();
        String db = platform.dataDir.resolve("aloft.db").toString();
        assertThat(call("files-a", "{\"read\": \"" + db + "\"}").path("ok").asBoolean()).isFalse();
    }

    @Test
    void tmpIsPrivateToEachFunction() {
        assertThat(call("files-a", "{\"write\": \"/tmp/note.txt\", \"data\": \"from a\"}").path("ok").asBoolean()).isTrue();
        assertThat(call("files-a", "{\"read\": \"/tmp/note.txt\"}").path("content").asText()).isEqualTo("from a");
        assertThat(call("files-b", "{\"read\": \"/tmp/note.txt\"}").path("error").asText()).isEqualTo("ENOENT");
    }

    @Test
    void functionsRunAsAnUnprivilegedUser() {
        assumeThat(ProcessHandle.current().info().user()).contains("root");
        JsonNode ctx = call("other", "{}");
        assertThat(ctx.path("uid").asInt()).isNotZero();
        assertThat(call("files-a", "{\"read\": \"/etc/shadow\"}").path("error").asText()).isEqualTo("EACCES");
    }

    @Test
    void memoryLimitKillsAFunctionThatExceedsIt() {
        assumeThat(String.join("\n", platform.server.startupReport())).contains("memory limit: cgroup");
        var body = TestPlatform.deployBody("nodejs20", "index.handler", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-alloc")));
        body.put("memoryMb", 128);
        assertThat(platform.deploy("hog", body).statusCode()).isEqualTo(201);
        assertThat(call("hog", "{\"mb\": 16}").has("errorType")).isFalse();
        var response = platform.invoke("hog", "{\"mb\": 400}");
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).contains("Unhandled");
        JsonNode error = TestPlatform.parse(response.body());
        assertThat(error.path("errorType").asText()).isEqualTo("Runtime.OutOfMemory");
        assertThat(error.path("errorMessage").asText()).contains("limit 128 MB");
        assertThat(call("hog", "{\"mb\": 16}").has("errorType")).as("replaced after the kill").isFalse();
    }
}
