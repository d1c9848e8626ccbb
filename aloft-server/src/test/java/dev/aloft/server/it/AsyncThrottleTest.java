package dev.aloft.server.it;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Async events of a function at its concurrency limit: retried without holding the workers, counted once, never lost. */
class AsyncThrottleTest {

    @Test
    void aFunctionAtItsLimitDoesNotHoldTheWorkersFromOtherFunctions() {
        // Four workers and the default 10 s queue wait: enough for the flood to occupy every worker
        // for many of its 4 s runs if the workers waited for its one instance.
        try (TestPlatform platform = TestPlatform.start(s -> s.with("async-workers", "4"))) {
            deploy(platform, "flooded", 1);
            deploy(platform, "other", 10);
            List<String> flood = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                flood.add(platform.submitEvent("flooded", "{\"sleep_ms\": 4000}"));
            }
            String other = platform.submitEvent("other", "{\"echo\": \"through\"}");

            await().atMost(Duration.ofSeconds(60)).until(() -> status(platform, other).equals("success"));
            List<String> floodStatuses = flood.stream().map(id -> status(platform, id)).toList();
            // Still waiting, and shown so: at most the one the instance runs is running.
            assertThat(floodStatuses).filteredOn(s -> s.equals("success")).hasSizeLessThanOrEqualTo(1);
            assertThat(floodStatuses).filteredOn(s -> s.equals("running")).hasSizeLessThanOrEqualTo(1);
            assertThat(floodStatuses).filteredOn(s -> s.equals("queued")).hasSizeGreaterThanOrEqualTo(flood.size() - 2);
        }
    }

    @Test
    void aThrottledFunctionsEventsFollowEachOtherOntoItsInstanceInsteadOfWaitingOutTheirBackoff() {
        // More events than may wait for the one instance (half the 16 workers): the others step
        // back, their first retry due 30–90 s later. Each of them that ran within 20 s was brought
        // forward when one before it got the instance.
        try (TestPlatform platform = TestPlatform.start(s -> s.with("async-retry-base-ms", "60000"))) {
            deploy(platform, "capped", 1);
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                events.add(platform.submitEvent("capped", "{\"sleep_ms\": 150}"));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> events.stream().allMatch(id -> status(platform, id).equals("success")));
            assertThat(platform.metric("aloft_invocations_throttled_total{function=\"capped\"}")).isPositive();
        }
    }

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
