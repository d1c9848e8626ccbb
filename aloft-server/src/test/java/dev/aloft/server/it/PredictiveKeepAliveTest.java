package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A function called every ten minutes holds no instance for most of the gap, yet its calls stay
 * warm: once the keep-alive has learned the gap, its instance stops right after each call and a new
 * one starts shortly before the next is due (the hybrid histogram policy's pre-warming window).
 * The clock is moved by hand; the reaper still runs on real time, so each step waits briefly.
 */
class PredictiveKeepAliveTest {

    private static final Duration GAP = Duration.ofMinutes(10);
    /** Calls that teach the keep-alive the gap: 10 idle times, its minimum. */
    private static final int LEARNING_CALLS = 11;
    private static final Duration STEP = Duration.ofSeconds(15);

    @Test
    void aFunctionCalledEveryTenMinutesIsStartedAheadOfEachCallAndStoppedBetween() {
        MovableClock clock = new MovableClock(Instant.parse("2026-11-27T08:00:00Z"));
        try (TestPlatform platform = TestPlatform.start(s -> s.with("keep-alive-seconds", "1"), clock)) {
            deployAndTeachTheGap(platform, clock);
            JsonNode latest = TestPlatform.parse(platform.get("/api/v1/functions/periodic/scaling").body()).path("pools").path(0);
            assertThat(latest.path("version").asText()).isEqualTo("$LATEST");
            assertThat(latest.path("keepAlive").path("learned").asBoolean()).isTrue();
            assertThat(latest.path("keepAlive").path("idleTimesCounted").asInt()).isEqualTo(LEARNING_CALLS - 1);
            assertThat(latest.path("keepAlive").path("prewarmAfterSeconds").asDouble()).isEqualTo(540.0);
            assertThat(latest.path("keepAlive").path("keepAliveSeconds").asDouble()).isEqualTo(726.0);
            assertThat(platform.get("/api/v1/functions/nope/scaling").body()).contains("function 'nope' does not exist");
            assertThat(platform.get("/api/v1/functions/nope/scaling").statusCode()).isEqualTo(404);
            assertThat(platform.get("/api/v1/functions/bad%20name/scaling").statusCode()).isEqualTo(400);
            // The window is learned: 9 minutes (the 10-minute bin less 10 %) to 12.1 (its end plus 10 %).
            assertThat(platform.invoke("periodic", "{}").statusCode()).isEqualTo(200);

            // Right after the call the function is idle, and nothing is expected for 9 minutes: no instance.
            await().atMost(STEP).until(() -> platform.server.liveInstances("periodic") == 0);
            clock.advance(Duration.ofMinutes(8));
            await().during(Duration.ofSeconds(1)).atMost(STEP).until(() -> platform.server.liveInstances("periodic") == 0);
            clock.advance(Duration.ofMinutes(1).plusSeconds(30));
            // Idle and ready, not just counted: the call comes a minute later in life, not at once.
            await().atMost(STEP).until(() -> platform.instances("periodic", "idle") == 1);
            clock.advance(Duration.ofSeconds(30));
            assertThat(cold(platform, platform.invoke("periodic", "{}"))).isFalse();

            // A call that does not come: the instance started ahead stops at the end of the window.
            await().atMost(STEP).until(() -> platform.server.liveInstances("periodic") == 0);
            clock.advance(Duration.ofMinutes(10));
            await().atMost(STEP).until(() -> platform.server.liveInstances("periodic") == 1);
            clock.advance(Duration.ofMinutes(3));
            await().atMost(STEP).until(() -> platform.server.liveInstances("periodic") == 0);
            // Only once per idle period: it is not started again.
            await().during(Duration.ofSeconds(1)).atMost(STEP).until(() -> platform.server.liveInstances("periodic") == 0);

            String metrics = platform.get("/metrics").body();
            assertThat(metrics).contains("aloft_instances_started_ahead_total{function=\"periodic\"} 2")
                    .contains("aloft_instances_stopped_total{function=\"periodic\",reason=\"predicted_gap\"} 2");
        }
    }

    @Test
    void theLearnedWindowSurvivesARestart() {
        MovableClock clock = new MovableClock(Instant.parse("2026-11-27T08:00:00Z"));
        Path data;
        try (TestPlatform platform = TestPlatform.start(s -> s.with("keep-alive-seconds", "1"), clock)) {
            deployAndTeachTheGap(platform, clock);
            data = platform.dataDir;
        }
        try (TestPlatform platform = TestPlatform.restart(data, s -> s.with("keep-alive-seconds", "1"), clock)) {
            assertThat(platform.invoke("periodic", "{}").statusCode()).isEqualTo(200);
            // Not learned again from scratch (that takes 10 gaps): the instance stops at once, as before the restart.
            await().atMost(STEP).until(() -> platform.server.liveInstances("periodic") == 0);
            clock.advance(Duration.ofMinutes(9).plusSeconds(30));
            await().atMost(STEP).until(() -> platform.server.liveInstances("periodic") == 1);
        }
    }

    @Test
    void aStartAheadUsesOnlyFreeMemoryAndNeverEvictsAnotherFunctionsWarmInstance() {
        MovableClock clock = new MovableClock(Instant.parse("2026-11-27T08:00:00Z"));
        // An hour's default keep-alive keeps "other" warm while the clock moves; the budget fits one of it.
        try (TestPlatform platform = TestPlatform.start(s -> s.with("keep-alive-seconds", "3600")
                .with("memory-budget-mb", "256").with("prewarm", "none"), clock)) {
            deployAndTeachTheGap(platform, clock);
            assertThat(platform.invoke("periodic", "{}").statusCode()).isEqualTo(200);
            await().atMost(STEP).until(() -> platform.server.liveInstances("periodic") == 0);
            var other = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            other.put("memoryMb", 256);
            assertThat(platform.deploy("other", other).statusCode()).isEqualTo(201);
            assertThat(platform.invoke("other", "{}").statusCode()).isEqualTo(200);

            // The pre-warm is due, but its memory is held by other's idle instance: it is skipped. (At this
            // keep-alive the reaper runs every 5 s: watch for longer than that.)
            clock.advance(Duration.ofMinutes(9).plusSeconds(30));
            await().during(Duration.ofSeconds(6)).atMost(STEP).until(() -> platform.server.liveInstances("other") == 1
                    && platform.server.liveInstances("periodic") == 0);
            // A real call still evicts it (least recently used), as before.
            assertThat(cold(platform, platform.invoke("periodic", "{}"))).isTrue();
            assertThat(platform.server.liveInstances("other")).isZero();
        }
    }

    @Test
    void aFanOutEveryTenMinutesGetsAsManyInstancesStartedAheadAsItUsed() throws Exception {
        MovableClock clock = new MovableClock(Instant.parse("2026-11-27T08:00:00Z"));
        try (TestPlatform platform = TestPlatform.start(s -> s.with("keep-alive-seconds", "1"), clock)) {
            var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            assertThat(platform.deploy("fanout", body).statusCode()).isEqualTo(201);
            for (int i = 0; i < LEARNING_CALLS + 1; i++) {
                assertThat(threeAtOnce(platform)).allMatch(response -> response.statusCode() == 200);
                if (i < LEARNING_CALLS) {
                    clock.advance(GAP);
                }
            }
            await().atMost(STEP).until(() -> platform.server.liveInstances("fanout") == 0);

            clock.advance(Duration.ofMinutes(9).plusSeconds(30));
            await().atMost(STEP).until(() -> platform.instances("fanout", "idle") == 3);
            clock.advance(Duration.ofSeconds(30));
            for (HttpResponse<String> response : threeAtOnce(platform)) {
                assertThat(cold(platform, response)).isFalse();
            }
            assertThat(platform.get("/metrics").body()).contains("aloft_instances_started_ahead_total{function=\"fanout\"} 3\n");
        }
    }

    /** Three calls at once, each holding its instance 500 ms, so they need three instances. */
    private static List<HttpResponse<String>> threeAtOnce(TestPlatform platform) throws Exception {
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                // Long enough that waiting for a busy instance never beats a start, even on a loaded machine
                // (at 500 ms, two instances served the three in turn when starts were slow).
                calls.add(callers.submit(() -> platform.invoke("fanout", "{\"sleep_ms\": 1500}")));
            }
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> call : calls) {
                responses.add(call.get());
            }
            return responses;
        }
    }

    /** Deploys "periodic" (128 MB) and calls it every ten minutes until the keep-alive has learned the gap. */
    private static void deployAndTeachTheGap(TestPlatform platform, MovableClock clock) {
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("memoryMb", 128);
        assertThat(platform.deploy("periodic", body).statusCode()).isEqualTo(201);
        for (int i = 0; i < LEARNING_CALLS; i++) {
            assertThat(platform.invoke("periodic", "{}").statusCode()).isEqualTo(200);
            clock.advance(GAP);
        }
    }

    private static boolean cold(TestPlatform platform, HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String id = response.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
        return TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body()).path("cold").asBoolean();
    }
}
