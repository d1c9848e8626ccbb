package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Conformance with code nobody here wrote: AWS's official Node.js runtime interface client
 * ({@code aws-lambda-ric} 3.3.0 from npm, with its native addon), unchanged, runs as a
 * {@code provided} function (conformance/node-ric-function).
 */
class NodeRuntimeInterfaceClientTest {

    private static final Path FUNCTION = Path.of("../conformance/node-ric-function").toAbsolutePath();
    /** The client's native addon: present only when its build (curl and aws-lambda-cpp) succeeded. */
    private static final Path ADDON = FUNCTION.resolve("node_modules/aws-lambda-ric/dist/rapid-client.node");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);

    private static TestPlatform platform;
    private static byte[] zip;

    @BeforeAll
    static void start() {
        installClient();
        zip = TestPlatform.zip(FUNCTION);
        platform = TestPlatform.start();
        var response = platform.deploy("node-ric", TestPlatform.deployBody("provided", "app.handler", zip));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void awsNodeClientRunsAHandlerAndIsReusedWarm() {
        var first = platform.invoke("node-ric", "{\"n\":1}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Aloft-Function-Error")).as(first.body()).isEmpty();
        JsonNode result = TestPlatform.parse(first.body());
        String id = first.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
        assertThat(result.path("message").asText()).isEqualTo("Hello from aws-lambda-ric");
        assertThat(result.path("requestId").asText()).isEqualTo(id);
        assertThat(result.path("fn").asText()).isEqualTo("node-ric");
        assertThat(result.path("event")).isEqualTo(TestPlatform.parse("{\"n\":1}"));

        var second = platform.invoke("node-ric", "{\"n\":2}");
        JsonNode again = TestPlatform.parse(second.body());
        assertThat(again.path("requestId").asText()).isEqualTo(second.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow());
        assertThat(again.path("event").path("n").asInt()).isEqualTo(2);
        assertThat(platform.server.liveInstances("node-ric")).isEqualTo(1);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(platform.get("/api/v1/functions/node-ric/logs?invocationId=" + id).body())
                        .contains("hello from aws-lambda-ric, request " + id));
    }

    @Test
    void awsNodeClientReportsAThrownErrorAsAnUnhandledFunctionError() {
        assertThat(platform.deploy("node-ric-fails", TestPlatform.deployBody("provided", "app.fails", zip)).statusCode()).isEqualTo(201);

        var response = platform.invoke("node-ric-fails", "{\"n\":3}");
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).as(response.body()).contains("Unhandled");
        JsonNode error = TestPlatform.parse(response.body());
        assertThat(error.path("errorType").asText()).isEqualTo("TypeError");
        assertThat(error.path("errorMessage").asText()).isEqualTo("cannot handle {\"n\":3}");
    }

    /**
     * The client reports the missing handler to {@code /runtime/init/error} with Node's own http
     * module, which keeps only host and port of {@code AWS_LAMBDA_RUNTIME_API} and so drops the
     * instance's secret path prefix: that report never reaches the instance. What the caller gets
     * is the exit during init, quoting the client's last output, which names the missing handler.
     */
    @Test
    void awsNodeClientReportsAMissingHandlerWhenItStarts() {
        assertThat(platform.deploy("node-ric-missing", TestPlatform.deployBody("provided", "app.nope", zip)).statusCode()).isEqualTo(201);

        var response = platform.invoke("node-ric-missing", "{}");
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).as(response.body()).contains("Unhandled");
        JsonNode error = TestPlatform.parse(response.body());
        assertThat(error.path("errorType").asText()).isEqualTo("Runtime.ExitError");
        assertThat(error.path("errorMessage").asText())
                .startsWith("Runtime exited during init with exit status 129; its last output: ")
                .contains("app.nope is undefined or not exported");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(platform.get("/api/v1/functions/node-ric-missing/logs").body())
                        .contains("Runtime.HandlerNotFound: app.nope is undefined or not exported"));
    }

    /**
     * {@code npm ci} once per checkout: node_modules is not committed, package-lock.json is. The
     * client builds curl and aws-lambda-cpp from source on install (about a minute or more).
     */
    private static void installClient() {
        if (Files.exists(ADDON)) {
            return;
        }
        try {
            Path log = Files.createTempFile("node-ric-npm-ci-", ".log");
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(FUNCTION.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!npm.waitFor(INSTALL_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
                npm.destroyForcibly();
                throw new AssertionError("npm ci in " + FUNCTION + " did not finish within " + INSTALL_TIMEOUT.toMinutes()
                        + " minutes; its output is in " + log);
            }
            if (npm.exitValue() != 0 || !Files.exists(ADDON)) {
                throw new AssertionError("npm ci in " + FUNCTION + " exited " + npm.exitValue() + " without building "
                        + ADDON.getFileName() + ". aws-lambda-ric builds native code on install and needs the apt packages"
                        + " autoconf automake libtool cmake g++ make (.ci/run installs them). Output of npm ci:\n"
                        + tail(Files.readString(log, StandardCharsets.UTF_8)));
            }
            Files.delete(log);
        } catch (IOException e) {
            throw new AssertionError("could not run npm ci in " + FUNCTION + " (is npm installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while installing aws-lambda-ric", e);
        }
    }

    private static String tail(String output) {
        return output.length() <= 8000 ? output : "…" + output.substring(output.length() - 8000);
    }
}
