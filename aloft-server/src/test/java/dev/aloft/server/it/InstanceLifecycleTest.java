package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Warm reuse, the Lambda environment, timeouts, crashes, init failures and Runtime API isolation. */
class InstanceLifecycleTest {

    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("timeoutSeconds", 2);
        body.put("memoryMb", 192);
        body.putObject("environment").put("GREETING", "hi");
        assertThat(platform.deploy("behave", body).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    private static JsonNode invokeOk(String payload) {
        return platform.invokeOk("behave", payload);
    }

    @Test
    void warmInstanceIsReusedAndSeesTheLambdaEnvironment() {
        JsonNode first = invokeOk("{}");
        JsonNode second = invokeOk("{}");
        assertThat(second.path("instance").asText()).isEqualTo(first.path("instance").asText());
        assertThat(second.path("requestId").asText()).isNotEqualTo(first.path("requestId").asText());

        JsonNode env = first.path("env");
        assertThat(env.path("AWS_LAMBDA_FUNCTION_NAME").asText()).isEqualTo("behave");
        assertThat(env.path("AWS_LAMBDA_FUNCTION_VERSION").asText()).isEqualTo("$LATEST");
        assertThat(env.path("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").asText()).isEqualTo("192");
        assertThat(env.path("AWS_LAMBDA_LOG_GROUP_NAME").asText()).isEqualTo("/aws/lambda/behave");
        assertThat(env.path("AWS_LAMBDA_LOG_STREAM_NAME").asText()).matches("\\d{4}/\\d{2}/\\d{2}/\\[\\$LATEST\\][0-9a-f]+");
        assertThat(env.path("_HANDLER").asText()).isEqualTo("behave");
        assertThat(env.path("AWS_REGION").asText()).isNotEmpty();
        assertThat(env.path("TZ").asText()).isEqualTo(":UTC");
        assertThat(env.path("LAMBDA_TASK_ROOT").asText()).isNotEmpty();
        assertThat(env.path("GREETING").asText()).isEqualTo("hi");
        assertThat(first.path("arn").asText()).endsWith(":function:behave");
        assertThat(first.path("traceId").asText()).startsWith("Root=1-");
        long deadline = first.path("deadlineMs").asLong();
        assertThat(deadline).isBetween(System.currentTimeMillis() - 5_000, System.currentTimeMillis() + 2_000);
    }

    @Test
    void anInstanceCannotPollOrAnswerAnotherInstancesInvocations() {
        JsonNode probe = invokeOk("{\"probe\": true}");
        assertThat(probe.path("otherSecretStatus").asInt()).as("someone else's endpoint").isEqualTo(403);
        assertThat(probe.path("bareStatus").asInt()).as("the API without a secret").isEqualTo(404);
        assertThat(probe.path("wrongIdStatus").asInt()).as("answering an invocation it does not run").isEqualTo(400);
    }

    @Test
    void anInvocationForARuntimeWhoseWaitingRequestWasAbandonedGoesToItsNextRequest() throws Exception {
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("concurrency", 1);
        body.put("timeoutSeconds", 5);
        assertThat(platform.deploy("reconnecting", body).statusCode()).isEqualTo(201);
        // After answering, the runtime asks for the next invocation on a connection it closes
        // unanswered 200 ms later (a client-side timeout), and asks again 2 s after that.
        String instance = platform.invokeOk("reconnecting", "{\"abandon_next_ms\": 2000}").path("instance").asText();
        Thread.sleep(1_000);
        // Sent to the closed connection, this one would be lost until its timeout ended it.
        JsonNode next = platform.invokeOk("reconnecting", "{\"echo\": \"after the reconnect\"}");
        assertThat(next.path("echo").asText()).isEqualTo("after the reconnect");
        assertThat(platform.invokeOk("reconnecting", "{}").path("instance").asText()).isEqualTo(instance);
    }

    @Test
    void functionErrorIsReturnedWithItsType() {
        var response = platform.invoke("behave", "{\"fail\": \"no such order\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).contains("Unhandled");
        JsonNode error = TestPlatform.parse(response.body());
        assertThat(error.path("errorType").asText()).isEqualTo("BehaveError");
        assertThat(error.path("errorMessage").asText()).isEqualTo("no such order");
    }

    @Test
    void timeoutKillsTheInstanceAndTheNextInvocationGetsAFreshOne() {
        String before = invokeOk("{}").path("instance").asText();
        var response = platform.invoke("behave", "{\"sleep_ms\": 10000}");
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).contains("Unhandled");
        JsonNode error = TestPlatform.parse(response.body());
        assertThat(error.path("errorType").asText()).isEqualTo("Sandbox.Timedout");
        assertThat(error.path("errorMessage").asText()).isEqualTo("Task timed out after 2.00 seconds");
        assertThat(invokeOk("{}").path("instance").asText()).isNotEqualTo(before);
    }

    @Test
    void responseOverSixMegabytesIsAFunctionError() {
        var response = platform.invoke("behave", "{\"big_mb\": 7}");
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).contains("Unhandled");
        assertThat(TestPlatform.parse(response.body()).path("errorType").asText()).isEqualTo("Function.ResponseSizeTooLarge");
        invokeOk("{}");
    }

    @Test
    void crashMidInvocationFailsOnlyThatInvocation() {
        var response = platform.invoke("behave", "{\"exit\": 3}");
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).contains("Unhandled");
        JsonNode error = TestPlatform.parse(response.body());
        assertThat(error.path("errorType").asText()).isEqualTo("Runtime.ExitError");
        assertThat(error.path("errorMessage").asText()).isEqualTo("Runtime exited with error: exit status 3");
        invokeOk("{}");
    }

    @Test
    void initErrorIsReportedAndNotRetriedInALoop() {
        var body = TestPlatform.deployBody("provided", "fail-init", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        assertThat(platform.deploy("broken", body).statusCode()).isEqualTo(201);
        var response = platform.invoke("broken", "{}");
        assertThat(response.headers().firstValue("X-Aloft-Function-Error")).contains("Unhandled");
        assertThat(response.headers().firstValue("X-Aloft-Error-Type")).contains("Runtime.ConfigError");
        assertThat(response.body()).contains("cannot load config: DATABASE_URL missing");

        var exiting = TestPlatform.deployBody("provided", "exit-init", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        assertThat(platform.deploy("exits", exiting).statusCode()).isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            var failed = platform.invoke("exits", "{}");
            assertThat(failed.body()).contains("Runtime exited during init with exit status 7; its last output: dying during init");
        }
        // Three failed invocations, one start: the others failed fast on the remembered error.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(TestPlatform.parse(platform.get("/api/v1/functions/exits/logs").body()).path("logs")).hasSize(1));
    }
}
