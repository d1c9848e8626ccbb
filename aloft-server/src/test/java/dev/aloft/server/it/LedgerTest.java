package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every invocation becomes one ledger record that can be listed, inspected and replayed. */
class LedgerTest {

    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start(s -> s.with("ledger-payload-bytes", "4096"));
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("timeoutSeconds", 1);
        body.put("public", true);
        assertThat(platform.deploy("ledgered", body).statusCode()).isEqualTo(201);
        var secret = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        secret.put("sensitive", true);
        assertThat(platform.deploy("secretive", secret).statusCode()).isEqualTo(201);
        var crashingInit = TestPlatform.deployBody("provided", "slow-exit-init", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        assertThat(platform.deploy("crashing-init", crashingInit).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    private static String invoke(String function, String payload) {
        return platform.invoke(function, payload).headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
    }

    private static JsonNode record(String id) {
        var response = platform.get("/api/v1/invocations/" + id);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestPlatform.parse(response.body());
    }

    @Test
    void successfulInvocationsAreRecordedWithTimingsPayloadsAndLogs() {
        String first = invoke("ledgered", "{\"print\": [\"hello ledger\"], \"echo\": 1}");
        String second = invoke("ledgered", "{\"echo\": 2}");
        JsonNode r = record(first);
        assertThat(r.path("function").asText()).isEqualTo("ledgered");
        assertThat(r.path("trigger").asText()).isEqualTo("invoke");
        assertThat(r.path("status").asText()).isEqualTo("success");
        assertThat(r.path("attempt").asInt()).isEqualTo(1);
        assertThat(r.path("memoryMb").asInt()).isEqualTo(256);
        assertThat(r.path("billedMs").asLong()).isGreaterThanOrEqualTo(Math.max(1, r.path("durationMs").asLong()));
        assertThat(Instant.parse(r.path("finishedAt").asText())).isAfterOrEqualTo(Instant.parse(r.path("startedAt").asText()));
        assertThat(Instant.parse(r.path("startedAt").asText())).isAfterOrEqualTo(Instant.parse(r.path("receivedAt").asText()));
        assertThat(r.path("input").asText()).isEqualTo("{\"print\": [\"hello ledger\"], \"echo\": 1}");
        assertThat(r.path("output").asText()).isEqualTo("{\"echo\": 1}");
        assertThat(r.path("inputTruncated").asBoolean()).isFalse();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(record(first).path("logs")).extracting(l -> l.path("line").asText()).contains("hello ledger"));
        JsonNode warm = record(second);
        assertThat(warm.path("cold").asBoolean()).isFalse();
        assertThat(warm.path("initMs").asLong()).isZero();
        assertThat(warm.path("prewarmed").asText()).isEqualTo("false");
        assertThat(warm.path("instanceId").asText()).isEqualTo(r.path("instanceId").asText());
    }

    @Test
    void failuresAreRecordedWithTheirStatus() {
        JsonNode error = record(invoke("ledgered", "{\"fail\": \"out of stock\"}"));
        assertThat(error.path("status").asText()).isEqualTo("function_error");
        assertThat(error.path("errorType").asText()).isEqualTo("BehaveError");
        assertThat(error.path("errorMessage").asText()).isEqualTo("out of stock");
        JsonNode timeout = record(invoke("ledgered", "{\"sleep_ms\": 3000}"));
        assertThat(timeout.path("status").asText()).isEqualTo("timeout");
        assertThat(timeout.path("errorType").asText()).isEqualTo("Sandbox.Timedout");
    }

    @Test
    void aCrashIsRecordedWithTheTimeItRanNotAsQueueTime() {
        // The handler runs 400 ms, then its process exits mid-invocation.
        JsonNode crash = record(invoke("ledgered", "{\"sleep_ms\": 400, \"exit\": 5}"));
        assertThat(crash.path("status").asText()).isEqualTo("crashed");
        long durationMs = crash.path("durationMs").asLong();
        assertThat(durationMs).as(crash.toString()).isGreaterThanOrEqualTo(250);
        assertThat(crash.path("queueMs").asLong()).as(crash.toString()).isLessThan(durationMs);
        assertThat(crash.path("billedMs").asLong()).as(crash.toString()).isGreaterThanOrEqualTo(durationMs);
    }

    @Test
    void anInitThatCrashesIsRecordedAsInitTimeNotQueueTime() {
        // slow-exit-init: the runtime takes 400 ms, then exits before it asks for its first event.
        JsonNode failed = record(invoke("crashing-init", "{}"));
        assertThat(failed.path("status").asText()).isEqualTo("init_error");
        assertThat(failed.path("cold").asBoolean()).isTrue();
        long initMs = failed.path("initMs").asLong();
        assertThat(initMs).as(failed.toString()).isGreaterThanOrEqualTo(250);
        assertThat(failed.path("queueMs").asLong()).as(failed.toString()).isLessThan(initMs);
    }

    @Test
    void functionUrlCallsAreRecordedAsHttp() {
        var response = platform.sendRaw(HttpRequest.newBuilder(platform.url("/fn/ledgered/x")).GET());
        String id = response.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
        assertThat(record(id).path("trigger").asText()).isEqualTo("http");
    }

    @Test
    void listingFiltersAndPagesNewestFirst() {
        for (int i = 0; i < 5; i++) {
            invoke("ledgered", "{\"echo\": " + i + "}");
        }
        invoke("ledgered", "{\"fail\": \"x\"}");
        JsonNode page1 = TestPlatform.parse(platform.get("/api/v1/invocations?function=ledgered&limit=3").body());
        assertThat(page1.path("invocations")).hasSize(3);
        String cursor = page1.path("nextCursor").asText();
        JsonNode page2 = TestPlatform.parse(platform.get("/api/v1/invocations?function=ledgered&limit=3&before=" + cursor).body());
        assertThat(page2.path("invocations")).hasSize(3);
        assertThat(page2.path("invocations").get(0).path("id").asText())
                .isNotIn(page1.path("invocations").findValuesAsText("id"));
        assertThat(Instant.parse(page1.path("invocations").get(2).path("receivedAt").asText()))
                .isAfterOrEqualTo(Instant.parse(page2.path("invocations").get(0).path("receivedAt").asText()));

        JsonNode errors = TestPlatform.parse(platform.get("/api/v1/invocations?function=ledgered&status=function_error").body());
        assertThat(errors.path("invocations")).isNotEmpty().allMatch(r -> r.path("status").asText().equals("function_error"));
        JsonNode future = TestPlatform.parse(platform.get("/api/v1/invocations?since=2999-01-01T00:00:00Z").body());
        assertThat(future.path("invocations")).isEmpty();
    }

    @Test
    void replayRunsTheRecordedInputAgainAndLinksTheRecords() {
        String original = invoke("ledgered", "{\"echo\": \"again\"}");
        var replay = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/invocations/" + original + "/replay"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.body()).isEqualTo("{\"echo\": \"again\"}");
        JsonNode replayed = record(replay.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow());
        assertThat(replayed.path("trigger").asText()).isEqualTo("replay");
        assertThat(replayed.path("replayOf").asText()).isEqualTo(original);
    }

    @Test
    void sensitiveFunctionsKeepNoPayloadsAndCannotBeReplayed() {
        String id = invoke("secretive", "{\"echo\": \"card 4111\"}");
        JsonNode r = record(id);
        assertThat(r.path("input").isNull()).isTrue();
        assertThat(r.path("output").isNull()).isTrue();
        assertThat(r.path("inputBytes").asLong()).isPositive();
        var replay = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/invocations/" + id + "/replay"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(replay.statusCode()).isEqualTo(409);
        assertThat(replay.body()).contains("its input was not kept");
    }

    @Test
    void oversizePayloadsAreCappedAndMarked() {
        String big = "{\"echo\": \"" + "z".repeat(10_000) + "\"}";
        JsonNode r = record(invoke("ledgered", big));
        assertThat(r.path("inputBytes").asLong()).isEqualTo(big.length());
        assertThat(r.path("input").asText()).hasSize(4096);
        assertThat(r.path("inputTruncated").asBoolean()).isTrue();
    }

    @Test
    void badLedgerQueriesSayWhatToFix() {
        assertThat(platform.get("/api/v1/invocations?status=weird").body()).contains("unknown status 'weird'");
        assertThat(platform.get("/api/v1/invocations?since=yesterday").body()).contains("ISO-8601");
        assertThat(platform.get("/api/v1/invocations?limit=0").statusCode()).isEqualTo(400);
        assertThat(platform.get("/api/v1/invocations?before=garbage").body()).contains("pass nextCursor as is");
        var missing = platform.get("/api/v1/invocations/nope");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("invocation 'nope' does not exist");
        var replayMissing = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/invocations/nope/replay"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(replayMissing.statusCode()).isEqualTo(404);
    }
}
