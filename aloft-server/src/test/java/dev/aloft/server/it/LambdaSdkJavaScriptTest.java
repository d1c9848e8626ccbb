package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AWS SDK for JavaScript v3 ({@code @aws-sdk/client-lambda} from npm, run by node) drives a
 * function's lifecycle through the Lambda API; see src/test/js/lambda-lifecycle.mjs.
 */
class LambdaSdkJavaScriptTest {

    private static final Path SCRIPTS = Path.of("src/test/js").toAbsolutePath();

    private static TestPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        installSdk();
        platform = TestPlatform.start();
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    @Test
    void theJavaScriptSdkRunsAFunctionsLifecycle(@TempDir Path dir) throws Exception {
        JsonNode key = LambdaSdkJavaTest.createKey(platform, "javascript sdk");
        Path echo = write(dir, "echo.zip", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-cjs")));
        Path echoV2 = write(dir, "echo-v2.zip", TestPlatform.zipOf(List.<String[]>of(new String[] {"index.js",
                "exports.handler = async (event) => ({ version: 2, echo: event });"})));
        Path behave = write(dir, "behave.zip", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));

        Run run = run(SCRIPTS, Map.of("ALOFT_ENDPOINT", platform.server.baseUrl().toString(),
                "AWS_ACCESS_KEY_ID", key.get("accessKeyId").asText(),
                "AWS_SECRET_ACCESS_KEY", key.get("secretAccessKey").asText(),
                "ZIP_ECHO", echo.toString(), "ZIP_ECHO_V2", echoV2.toString(), "ZIP_BEHAVE", behave.toString()),
                "node", SCRIPTS.resolve("lambda-lifecycle.mjs").toString());

        assertThat(run.exitCode()).as(run.describe()).isZero();
        JsonNode result = TestPlatform.parse(run.stdout());
        assertThat(result.at("/created/arn").asText()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:js-life");
        assertThat(result.at("/created/runtime").asText()).isEqualTo("nodejs20.x");
        assertThat(result.at("/created/state").asText()).isEqualTo("Active");
        assertThat(result.at("/invoke/status").asInt()).isEqualTo(200);
        assertThat(result.at("/invoke/version").asText()).isEqualTo("$LATEST");
        assertThat(result.at("/invoke/payload")).isEqualTo(TestPlatform.parse("{\"echo\": {\"from\": \"js\"}}"));
        assertThat(result.at("/tail/payload")).isEqualTo(TestPlatform.parse("{\"echo\": 2}"));
        assertThat(result.at("/tail/log").asText()).contains("tail from js").contains("REPORT RequestId: ");
        assertThat(result.at("/updated/payload")).isEqualTo(TestPlatform.parse("{\"version\": 2, \"echo\": {\"n\": 3}}"));
        assertThat(result.at("/missing/name").asText()).isEqualTo("ResourceNotFoundException");
        assertThat(result.at("/missing/typed").asBoolean()).isTrue();
        assertThat(result.at("/missing/status").asInt()).isEqualTo(404);
        assertThat(result.at("/missing/message").asText())
                .isEqualTo("Function not found: arn:aws:lambda:us-east-1:000000000000:function:js-nope");
        assertThat(result.at("/afterDelete/name").asText()).isEqualTo("ResourceNotFoundException");
    }

    /** {@code npm ci} once per checkout: node_modules is not committed, package-lock.json is. */
    private static void installSdk() throws Exception {
        if (Files.isDirectory(SCRIPTS.resolve("node_modules/@aws-sdk/client-lambda"))) {
            return;
        }
        Run install = run(SCRIPTS, Map.of(), "npm", "ci", "--no-audit", "--no-fund");
        assertThat(install.exitCode()).as("npm ci in " + SCRIPTS + ": " + install.describe()).isZero();
    }

    private record Run(int exitCode, String stdout, String stderr) {
        String describe() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    private static Run run(Path workDir, Map<String, String> env, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("lambda-js-", ".out");
        Path err = Files.createTempFile("lambda-js-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 5 minutes");
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip(),
                    Files.readString(err, StandardCharsets.UTF_8).strip());
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }
}
