package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Node.js and Python bootstraps Aloft ships, each in real child processes. */
class NodePythonRuntimesTest {

    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
        platform.deployFunction("node-esm", "nodejs20", "index.handler", "node-ctx");
        platform.deployFunction("node-cjs", "nodejs20", "index.handler", "node-cjs");
        platform.deployFunction("node-callback", "nodejs20", "index.handler", "node-callback");
        platform.deployFunction("node-error", "nodejs20", "index.handler", "node-error");
        platform.deployFunction("node-initfail", "nodejs20", "index.handler", "node-initfail");
        platform.deployFunction("py-echo", "python3", "app.handler", "python-echo");
        platform.deployFunction("py-error", "python3", "app.handler", "python-error");
        platform.deployFunction("node-trace", "nodejs20", "index.handler", "node-trace");
        platform.deployFunction("py-trace", "python3", "app.handler", "python-trace");
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    @Test
    void nodeEsmHandlerGetsALambdaContext() {
        JsonNode result = platform.invokeOk("node-esm", "{}");
        JsonNode context = result.path("context");
        assertThat(context.path("functionName").asText()).isEqualTo("node-esm");
        assertThat(context.path("functionVersion").asText()).isEqualTo("$LATEST");
        assertThat(context.path("memoryLimitInMB").asText()).isEqualTo("256");
        assertThat(context.path("logGroupName").asText()).isEqualTo("/aws/lambda/node-esm");
        assertThat(context.path("invokedFunctionArn").asText()).endsWith(":function:node-esm");
        assertThat(context.path("awsRequestId").asText()).isNotEmpty();
        assertThat(context.path("remainingTimeInMillis").asLong()).isBetween(1L, 30_000L);
        assertThat(result.path("env").path("LAMBDA_TASK_ROOT").asText()).isEqualTo("/var/task");
        assertThat(result.path("tmpdir").asText()).isEqualTo("/tmp");
    }

    @Test
    void nodeSeesEachInvocationsTraceIdWithoutSetenv() {
        assertTraceIdPerInvocation("node-trace");
        assertThat(platform.invokeOk("node-trace", "{}").path("listed").asBoolean()).isTrue();
    }

    @Test
    void pythonSeesEachInvocationsTraceIdWithoutSetenv() {
        JsonNode result = assertTraceIdPerInvocation("py-trace");
        assertThat(result.path("getenv").asText()).isEqualTo(result.path("env").asText());
    }

    /**
     * Two invocations in one warm instance each see their own trace id, and so do child processes;
     * the C environment never gets it (glibc's setenv leaks every value it is given).
     */
    private static JsonNode assertTraceIdPerInvocation(String function) {
        JsonNode first = platform.invokeOk(function, "{}");
        JsonNode second = platform.invokeOk(function, "{}");
        for (JsonNode result : new JsonNode[] {first, second}) {
            assertThat(result.path("env").asText()).startsWith("Root=1-");
            assertThat(result.path("child").asText()).isEqualTo(result.path("env").asText());
            assertThat(result.path("nativeEnv").isNull()).as("trace id in the C environment").isTrue();
        }
        assertThat(second.path("env").asText()).isNotEqualTo(first.path("env").asText());
        return second;
    }

    @Test
    void nodeCrashIsReportedAndTheInstanceReplaced() {
        var body = TestPlatform.deployBody("nodejs20", "index.handler", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-crash")));
        assertThat(platform.deploy("node-crash", body).statusCode()).isEqualTo(201);
        JsonNode e = platform.invokeError("node-crash", "{}");
        assertThat(e.path("errorType").asText()).isEqualTo("Runtime.ExitError");
        assertThat(e.path("errorMessage").asText()).contains("exit status 3");
    }

    @Test
    void invocationOutputIsInTheLogs() {
        var body = TestPlatform.deployBody("nodejs20", "index.handler", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-sleep")));
        assertThat(platform.deploy("node-sleep", body).statusCode()).isEqualTo(201);
        var response = platform.invoke("node-sleep", "{\"ms\": 10}");
        assertThat(TestPlatform.parse(response.body()).path("slept").asInt()).isEqualTo(10);
        String id = response.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(platform.get("/api/v1/functions/node-sleep/logs?invocationId=" + id).body()).contains("sleeping"));
    }

    @Test
    void nodeCommonJsAndCallbackHandlers() {
        assertThat(platform.invokeOk("node-cjs", "{\"a\":1}").path("echo").path("a").asInt()).isEqualTo(1);
        JsonNode callback = platform.invokeOk("node-callback", "{\"b\":2}");
        assertThat(callback.path("echo").path("b").asInt()).isEqualTo(2);
        assertThat(callback.path("remaining").asBoolean()).isTrue();
        assertThat(callback.path("fn").asText()).isEqualTo("node-callback");
    }

    @Test
    void nodeErrorsCarryTheirType() {
        JsonNode e = platform.invokeError("node-error", "{\"x\":1}");
        assertThat(e.path("errorType").asText()).isEqualTo("TypeError");
        assertThat(e.path("errorMessage").asText()).contains("bad input");
        JsonNode init = platform.invokeError("node-initfail", "{}");
        assertThat(init.path("errorMessage").asText()).contains("config missing: DATABASE_URL");
    }

    @Test
    void pythonHandlerAndError() {
        JsonNode result = platform.invokeOk("py-echo", "{\"n\":5}");
        assertThat(result.path("echo").path("n").asInt()).isEqualTo(5);
        assertThat(result.path("fn").asText()).isEqualTo("py-echo");
        assertThat(result.path("remaining_positive").asBoolean()).isTrue();
        JsonNode e = platform.invokeError("py-error", "{}");
        assertThat(e.path("errorType").asText()).isEqualTo("ValueError");
        assertThat(e.path("errorMessage").asText()).isEqualTo("bad value");
    }
}
