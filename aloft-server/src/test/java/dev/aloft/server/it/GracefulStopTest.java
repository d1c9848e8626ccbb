package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.functions.DeployRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stop lets invocations under way finish (up to stop-grace-seconds) while new ones get 503, and
 * what outlasts the grace is stopped, answered and recorded as such: no accepted invocation ends
 * without a record.
 */
class GracefulStopTest {

    @Test
    void invocationsUnderWayFinishWhileNewOnesAreRefused() throws Exception {
        TestPlatform platform = sleepyPlatform(30);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<HttpResponse<String>> underWay = invokeUnderWay(platform, pool, 2000);
            Future<?> stopping = pool.submit(platform::close);

            await().atMost(Duration.ofSeconds(10)).until(() -> platform.invoke("sleepy", "{\"ms\": 1}").statusCode() == 503);
            HttpResponse<String> refused = platform.invoke("sleepy", "{\"ms\": 1}");
            assertThat(refused.body()).contains("the server is stopping");

            HttpResponse<String> answered = underWay.get(30, TimeUnit.SECONDS);
            assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
            assertThat(TestPlatform.parse(answered.body()).path("slept").asInt()).isEqualTo(2000);
            stopping.get(30, TimeUnit.SECONDS);
        }
        try (TestPlatform restarted = TestPlatform.restart(platform.dataDir)) {
            assertThat(records(restarted).findValues("status")).extracting(JsonNode::asText).containsExactly("success");
        }
    }

    @Test
    void whatOutlastsTheGraceIsStoppedAnsweredAndRecorded() throws Exception {
        TestPlatform platform = sleepyPlatform(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<HttpResponse<String>> underWay = invokeUnderWay(platform, pool, 60_000);
            platform.close();

            HttpResponse<String> answered = underWay.get(30, TimeUnit.SECONDS);
            assertThat(answered.headers().firstValue("X-Aloft-Function-Error")).contains("Unhandled");
            assertThat(TestPlatform.parse(answered.body()).path("errorType").asText()).isEqualTo("Aloft.ServerStopped");
        }
        try (TestPlatform restarted = TestPlatform.restart(platform.dataDir)) {
            JsonNode record = records(restarted).path("invocations").path(0);
            assertThat(record.path("status").asText()).isEqualTo("crashed");
            assertThat(record.path("errorType").asText()).isEqualTo("Aloft.ServerStopped");
            assertThat(record.path("errorMessage").asText()).contains("the server stopped before the invocation finished");
        }
    }

    @Test
    void aCallerStillWaitingForAnInstanceWhenTheStopCutsInIsAnsweredAndRecordedAsStopped() throws Exception {
        TestPlatform platform = sleepyPlatform(1, 1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<HttpResponse<String>> running = invokeUnderWay(platform, pool, 60_000);
            Future<HttpResponse<String>> waiting = pool.submit(() -> platform.invoke("sleepy", "{\"ms\": 1}"));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    platform.get("/metrics").body().contains("aloft_invocations_queued{function=\"sleepy\"} 1"));
            platform.close();

            for (Future<HttpResponse<String>> invocation : List.of(running, waiting)) {
                HttpResponse<String> answered = invocation.get(30, TimeUnit.SECONDS);
                assertThat(TestPlatform.parse(answered.body()).path("errorType").asText()).as(answered.body())
                        .isEqualTo("Aloft.ServerStopped");
            }
        }
        try (TestPlatform restarted = TestPlatform.restart(platform.dataDir)) {
            JsonNode recorded = records(restarted).path("invocations");
            assertThat(recorded).hasSize(2);
            assertThat(recorded.findValues("errorType")).extracting(JsonNode::asText).containsOnly("Aloft.ServerStopped");
            // The waiting one never reached an instance (before, it started one as the server stopped),
            // so nothing of it is billed.
            for (JsonNode record : recorded) {
                boolean ran = !record.path("instanceId").isNull();
                assertThat(record.path("billedMs").asLong() > 0).as(record.toString()).isEqualTo(ran);
            }
            assertThat(recorded.findValues("instanceId")).extracting(JsonNode::isNull).containsExactlyInAnyOrder(true, false);
        }
    }

    @Test
    void anAsyncEventCutByTheStopRunsAfterTheRestartWithoutUsingAnAttempt() {
        TestPlatform platform = sleepyPlatform(1);
        HttpResponse<String> accepted = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/sleepy/invoke"))
                .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString("{\"ms\": 3000}")));
        assertThat(accepted.statusCode()).isEqualTo(202);
        String id = TestPlatform.parse(accepted.body()).path("invocationId").asText();
        awaitSleeping(platform, 1);
        platform.close();

        try (TestPlatform restarted = TestPlatform.restart(platform.dataDir)) {
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    TestPlatform.parse(restarted.get("/api/v1/invocations/" + id).body()).path("status").asText().equals("success"));
            JsonNode record = TestPlatform.parse(restarted.get("/api/v1/invocations/" + id).body());
            awaitSleeping(restarted, 2); // it ran again: the stop had cut the first run
            assertThat(record.path("attempt").asInt()).as("the stop did not use up an attempt").isEqualTo(1);
            assertThat(TestPlatform.parse(record.path("output").asText()).path("slept").asInt()).isEqualTo(3000);
        }
    }

    /** A platform with this stop grace and the function {@code sleepy} (node-sleep: sleeps {@code ms} of its event). */
    private static TestPlatform sleepyPlatform(int stopGraceSeconds) {
        return sleepyPlatform(stopGraceSeconds, DeployRequest.DEFAULT_CONCURRENCY);
    }

    private static TestPlatform sleepyPlatform(int stopGraceSeconds, int concurrency) {
        TestPlatform platform = TestPlatform.start(s -> s.with("stop-grace-seconds", Integer.toString(stopGraceSeconds)));
        var body = TestPlatform.deployBody("nodejs20", "index.handler", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-sleep")));
        body.put("concurrency", concurrency);
        assertThat(platform.deploy("sleepy", body).statusCode()).isEqualTo(201);
        return platform;
    }

    /** A synchronous invocation of {@code sleepy}, returned once it is running. */
    private static Future<HttpResponse<String>> invokeUnderWay(TestPlatform platform, ExecutorService pool, int sleepMs) {
        Future<HttpResponse<String>> invocation = pool.submit(() -> platform.invoke("sleepy", "{\"ms\": " + sleepMs + "}"));
        awaitSleeping(platform, 1);
        return invocation;
    }

    /** Waits until the function logged "sleeping" {@code times} times: its invocation is under way. */
    private static void awaitSleeping(TestPlatform platform, int times) {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                platform.get("/api/v1/functions/sleepy/logs").body().split("sleeping", -1).length - 1 >= times);
    }

    private static JsonNode records(TestPlatform platform) {
        return TestPlatform.parse(platform.get("/api/v1/invocations?function=sleepy").body());
    }
}
