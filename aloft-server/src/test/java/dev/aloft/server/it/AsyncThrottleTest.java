package dev.aloft.server.it;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Async events of a function at its concurrency limit: retried until delivered, and counted once per attempt. */
class AsyncThrottleTest {

    @Test
    void throttledEventsAreRetriedUntilDeliveredAndCountedOncePerAttempt() {
        // A short queue wait and retry base: before, each event was throttled and counted many times over.
        try (TestPlatform platform = TestPlatform.start(s -> s.with("queue-wait-ms", "300").with("async-retry-base-ms", "50"))) {
            deploy(platform, "capped", 1);
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                events.add(platform.submitEvent("capped", "{\"sleep_ms\": 500}"));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> events.stream().allMatch(id -> status(platform, id).equals("success")));
            for (String id : events) {
                assertThat(platform.invocation(id).path("attempt").asInt()).isEqualTo(1);
            }
            assertThat(TestPlatform.parse(platform.get("/api/v1/functions/capped/dead-letters").body()).path("deadLetters")).isEmpty();
            // The first started the instance; each of the others was throttled at most once.
            long asyncThrottles = platform.metric("aloft_invocations_throttled_total{function=\"capped\"}");
            assertThat(asyncThrottles).isBetween(1L, (long) events.size() - 1);

            CompletableFuture<HttpResponse<String>> holder = CompletableFuture.supplyAsync(() ->
                    platform.invoke("capped", "{\"sleep_ms\": 1500}"));
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.instances("capped", "busy") == 1);
            assertThat(platform.invoke("capped", "{}").statusCode()).isEqualTo(429);
            assertThat(holder.join().statusCode()).isEqualTo(200);
            assertThat(platform.metric("aloft_invocations_throttled_total{function=\"capped\"}")).isEqualTo(asyncThrottles + 1);
        }
    }

    private static void deploy(TestPlatform platform, String name, int concurrency) {
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("concurrency", concurrency);
        var response = platform.deploy(name, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static String status(TestPlatform platform, String id) {
        return platform.invocation(id).path("status").asText();
    }
}
