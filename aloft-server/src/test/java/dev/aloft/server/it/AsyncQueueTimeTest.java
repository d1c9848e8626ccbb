package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An async event's record counts the time it waited to run — for a retry after a throttle or a
 * failure — as queue time, and says queued, not running, all that time. The clock stands still but
 * for the minute the test moves it, so the queue time is that minute less what the attempt ran.
 */
class AsyncQueueTimeTest {

    private static final Duration WAITED = Duration.ofMinutes(1);

    static MovableClock clock;
    static TestPlatform platform;

    @BeforeAll
    static void start() {
        clock = new MovableClock(Instant.parse("2026-11-26T10:00:00Z"));
        // Retries fall due 15–45 s later on the clock, so none runs until the test moves it; no
        // queue wait, so a call that finds the only instance busy is throttled at once.
        platform = TestPlatform.start(s -> s.with("async-retry-base-ms", "30000").with("queue-wait-ms", "0"), clock);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    @Test
    void theWaitForARetryAfterAThrottleIsQueueTimeAndTheEventShowsQueuedMeanwhile() {
        deploy("capped", body -> body.put("concurrency", 1));
        CompletableFuture<HttpResponse<String>> holder = CompletableFuture.supplyAsync(() ->
                platform.invoke("capped", "{\"sleep_ms\": 2000}"));
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.instances("capped", "busy") == 1);
        String id = platform.submitEvent("capped", "{\"echo\": \"late\"}");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                platform.metric("aloft_invocations_throttled_total{function=\"capped\"}") == 1);

        assertThat(platform.invocation(id).path("status").asText()).isEqualTo("queued");
        assertThat(holder.join().statusCode()).isEqualTo(200);
        clock.advance(WAITED);
        JsonNode done = awaitStatus(id, "success");
        assertThat(done.path("attempt").asInt()).isEqualTo(1);
        assertThat(done.path("queueMs").asLong())
                .isEqualTo(WAITED.toMillis() - done.path("durationMs").asLong() - done.path("initMs").asLong());
    }

    @Test
    void theWaitBetweenFailedAttemptsIsQueueTime() {
        deploy("flaky", body -> body.put("maxRetryAttempts", 1));
        String id = platform.submitEvent("flaky", "{\"fail\": \"again\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.invocation(id).path("attempt").asInt() == 1
                && platform.invocation(id).path("status").asText().equals("queued"));

        clock.advance(WAITED);
        JsonNode done = awaitStatus(id, "function_error");
        assertThat(done.path("attempt").asInt()).isEqualTo(2);
        assertThat(done.path("queueMs").asLong())
                .isEqualTo(WAITED.toMillis() - done.path("durationMs").asLong() - done.path("initMs").asLong());
    }

    private static void deploy(String name, Consumer<ObjectNode> edit) {
        ObjectNode body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        edit.accept(body);
        var response = platform.deploy(name, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static JsonNode awaitStatus(String id, String status) {
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.invocation(id).path("status").asText().equals(status));
        return platform.invocation(id);
    }
}
