package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Async invocation: durable acceptance, retries, dead letters, destinations, redrive, idempotency. */
class AsyncInvocationTest {

    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start(s -> s.with("async-retry-base-ms", "50"));
        deploy("worker", b -> {});
        deploy("sink", b -> {});
        deploy("no-retry", b -> b.put("maxRetryAttempts", 0));
        deploy("routed", b -> {
            b.put("onSuccess", "function:sink");
            b.put("onFailure", "function:sink");
            b.put("maxRetryAttempts", 1);
        });
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    interface Edit {
        void apply(ObjectNode body);
    }

    private static void deploy(String name, Edit edit) {
        ObjectNode body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        edit.apply(body);
        var response = platform.deploy(name, body);
        assertThat(response.statusCode() / 100).as(response.body()).isEqualTo(2);
    }

    static HttpResponse<String> submit(String function, String payload, String idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(platform.url("/api/v1/functions/" + function + "/invoke"))
                .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString(payload));
        if (idempotencyKey != null) {
            request.header("X-Aloft-Idempotency-Key", idempotencyKey);
        }
        return platform.send(request);
    }

    private static String accepted(String function, String payload) {
        var response = submit(function, payload, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return TestPlatform.parse(response.body()).path("invocationId").asText();
    }

    private static JsonNode awaitFinal(String id) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            String status = TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body()).path("status").asText();
            return !status.equals("queued") && !status.equals("running");
        });
        return TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body());
    }

    @Test
    void acceptedBeforeItRunsThenDelivered() {
        var response = submit("worker", "{\"sleep_ms\": 500, \"echo\": \"later\"}", null);
        assertThat(response.statusCode()).isEqualTo(202);
        String id = TestPlatform.parse(response.body()).path("invocationId").asText();
        assertThat(response.headers().firstValue("X-Aloft-Invocation-Id")).contains(id);
        assertThat(TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body()).path("status").asText())
                .isIn("queued", "running");
        JsonNode done = awaitFinal(id);
        assertThat(done.path("status").asText()).isEqualTo("success");
        assertThat(done.path("trigger").asText()).isEqualTo("async");
        assertThat(done.path("attempt").asInt()).isEqualTo(1);
        assertThat(done.path("output").asText()).isEqualTo("{\"echo\": \"later\"}");
    }

    @Test
    void failuresAreRetriedThenDeadLetteredAndCanBeRedriven() {
        String id = accepted("worker", "{\"fail\": \"always\"}");
        JsonNode done = awaitFinal(id);
        assertThat(done.path("status").asText()).isEqualTo("function_error");
        assertThat(done.path("attempt").asInt()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(deadLetterIds("worker")).contains(id));
        JsonNode letter = deadLetter("worker", id);
        assertThat(letter.path("condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(letter.path("attempts").asInt()).isEqualTo(3);
        assertThat(letter.path("errorMessage").asText()).isEqualTo("always");

        var redrive = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/worker/dead-letters/redrive"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"invocationIds\": [\"" + id + "\"]}")));
        assertThat(redrive.statusCode()).as(redrive.body()).isEqualTo(200);
        String again = TestPlatform.parse(redrive.body()).path("invocationIds").get(0).asText();
        assertThat(deadLetterIds("worker")).doesNotContain(id);
        assertThat(awaitFinal(again).path("status").asText()).isEqualTo("function_error");
    }

    @Test
    void maxRetryAttemptsZeroMeansOneAttempt() {
        JsonNode done = awaitFinal(accepted("no-retry", "{\"exit\": 9}"));
        assertThat(done.path("status").asText()).isEqualTo("crashed");
        assertThat(done.path("attempt").asInt()).isEqualTo(1);
    }

    @Test
    void destinationsReceiveLambdaDestinationRecords() {
        String ok = accepted("routed", "{\"echo\": \"fine\"}");
        String bad = accepted("routed", "{\"fail\": \"nope\"}");
        awaitFinal(ok);
        awaitFinal(bad);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode sinkRuns = TestPlatform.parse(platform.get("/api/v1/invocations?function=sink&status=success").body());
            assertThat(sinkRuns.path("invocations").findValuesAsText("id")).hasSizeGreaterThanOrEqualTo(2);
        });
        JsonNode sinkRuns = TestPlatform.parse(platform.get("/api/v1/invocations?function=sink").body()).path("invocations");
        String inputs = "";
        for (JsonNode run : sinkRuns) {
            inputs += TestPlatform.parse(platform.get("/api/v1/invocations/" + run.path("id").asText()).body()).path("input").asText();
        }
        assertThat(inputs).contains("\"condition\":\"Success\"").contains("\"requestId\":\"" + ok + "\"")
                .contains("\"condition\":\"RetriesExhausted\"").contains("\"requestId\":\"" + bad + "\"")
                .contains("\"functionError\":\"Unhandled\"");
        assertThat(deadLetterIds("routed")).doesNotContain(bad);
    }

    @Test
    void idempotencyKeyReturnsTheFirstInvocation() {
        var first = submit("worker", "{\"echo\": 1}", "order-42");
        var second = submit("worker", "{\"echo\": 1}", "order-42");
        String id = TestPlatform.parse(first.body()).path("invocationId").asText();
        assertThat(TestPlatform.parse(first.body()).path("duplicate").asBoolean()).isFalse();
        assertThat(TestPlatform.parse(second.body()).path("invocationId").asText()).isEqualTo(id);
        assertThat(TestPlatform.parse(second.body()).path("duplicate").asBoolean()).isTrue();
        awaitFinal(id);
        JsonNode runs = TestPlatform.parse(platform.get("/api/v1/invocations?function=worker&limit=1000").body());
        assertThat(runs.path("invocations").findValuesAsText("idempotencyKey")).containsOnlyOnce("order-42");
    }

    @Test
    void badAsyncInputIsRejectedClearly() {
        String big = "{\"x\":\"" + "a".repeat(300 * 1024) + "\"}";
        var tooBig = submit("worker", big, null);
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.body()).contains("262144");
        var badType = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/worker/invoke"))
                .header("X-Amz-Invocation-Type", "Sometimes").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(badType.statusCode()).isEqualTo(400);
        assertThat(submit("ghost", "{}", null).statusCode()).isEqualTo(404);
        ObjectNode body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("onFailure", "sqs:somewhere");
        assertThat(platform.deploy("bad-dest", body).body()).contains("use function:NAME");
        body.put("onFailure", "function:does-not-exist");
        assertThat(platform.deploy("bad-dest", body).body()).contains("destination function 'does-not-exist' does not exist");
        body.remove("onFailure");
        body.put("maxRetryAttempts", 3);
        assertThat(platform.deploy("bad-dest", body).body()).contains("maxRetryAttempts must be between 0 and 2");
    }

    @Test
    void aFullQueueRefusesWith429AndLosesNothingAccepted() {
        try (TestPlatform small = TestPlatform.start(s -> s.with("async-queue-max", "1"))) {
            ObjectNode body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            assertThat(small.deploy("slow", body).statusCode()).isEqualTo(201);
            var first = small.send(HttpRequest.newBuilder(small.url("/api/v1/functions/slow/invoke"))
                    .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString("{\"sleep_ms\": 1500}")));
            var second = small.send(HttpRequest.newBuilder(small.url("/api/v1/functions/slow/invoke"))
                    .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertThat(first.statusCode()).isEqualTo(202);
            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(second.body()).contains("async-queue-max").contains("nothing was accepted");
            String id = TestPlatform.parse(first.body()).path("invocationId").asText();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    TestPlatform.parse(small.get("/api/v1/invocations/" + id).body()).path("status").asText().equals("success"));
        }
    }

    private static List<String> deadLetterIds(String function) {
        return TestPlatform.parse(platform.get("/api/v1/functions/" + function + "/dead-letters").body())
                .path("deadLetters").findValuesAsText("invocationId");
    }

    private static JsonNode deadLetter(String function, String id) {
        for (JsonNode letter : TestPlatform.parse(platform.get("/api/v1/functions/" + function + "/dead-letters").body())
                .path("deadLetters")) {
            if (letter.path("invocationId").asText().equals(id)) {
                return letter;
            }
        }
        throw new AssertionError("no dead letter " + id);
    }
}
