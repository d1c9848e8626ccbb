package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Scale out to the concurrency limit, queue then 429 beyond it, scale to zero, survive a restart. */
class ScalingTest {

    /** Deploys the behave function; returns its code hash. */
    private static String deployBehave(TestPlatform platform, String name, int concurrency) {
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("concurrency", concurrency);
        var response = platform.deploy(name, body);
        assertThat(response.statusCode()).isEqualTo(201);
        return TestPlatform.parse(response.body()).path("codeSha256").asText();
    }

    private static List<HttpResponse<String>> invokeConcurrently(TestPlatform platform, String name, String payload, int count)
            throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(pool.submit(() -> platform.invoke(name, payload)));
            }
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> future : futures) {
                responses.add(future.get());
            }
            return responses;
        }
    }

    @Test
    void burstBeyondTheLimitWaitsForAFreeInstanceAndUsesNoMoreThanTheLimit() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("queue-wait-ms", "30000"))) {
            deployBehave(platform, "queued", 2);
            List<HttpResponse<String>> responses = invokeConcurrently(platform, "queued", "{\"sleep_ms\": 300}", 6);
            Set<String> instances = new HashSet<>();
            for (HttpResponse<String> response : responses) {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                instances.add(TestPlatform.parse(response.body()).path("instance").asText());
            }
            assertThat(instances).hasSize(2);
            assertThat(platform.server.liveInstances("queued")).isEqualTo(2);
        }
    }

    @Test
    void callsQueuedForABusyInstanceAreServedFirstComeFirstServedByTheInstanceThatFreesUp() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("queue-wait-ms", "120000"));
             ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            deployBehave(platform, "fifo", 1);
            String instance = TestPlatform.parse(platform.invoke("fifo", "{}").body()).path("instance").asText();
            Future<HttpResponse<String>> busy = callers.submit(() -> platform.invoke("fifo", "{\"sleep_ms\": 3000}"));
            await().until(() -> platform.instances("fifo", "busy") == 1);
            List<Integer> answered = Collections.synchronizedList(new ArrayList<>());
            List<Future<String>> queued = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                int caller = i;
                queued.add(callers.submit(() -> {
                    HttpResponse<String> response = platform.invoke("fifo", "{\"sleep_ms\": 50, \"echo\": " + caller + "}");
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                    answered.add(TestPlatform.parse(response.body()).path("echo").asInt());
                    return TestPlatform.parse(response.body()).path("echo").asText();
                }));
                // Queued before the next one calls, so the order of arrival is known.
                await().until(() -> platform.instances("fifo", "waitingCallers") == caller);
            }
            assertThat(busy.get().statusCode()).isEqualTo(200);
            for (Future<String> call : queued) {
                // Each caller sleeps while its call is handed over and runs; it must still wake for the
                // answer, not sleep out its queue wait.
                call.get(20, TimeUnit.SECONDS);
            }
            assertThat(answered).containsExactly(1, 2, 3, 4, 5);
            assertThat(platform.instances("fifo", "waitingCallers")).isZero();
            assertThat(platform.server.liveInstances("fifo")).isEqualTo(1);
            // Every call ran on the one instance; the ledger has each with its wait in the queue.
            JsonNode records = TestPlatform.parse(platform.get("/api/v1/invocations?function=fifo").body()).path("invocations");
            assertThat(records).hasSize(7);
            Set<String> ran = Set.copyOf(records.findValuesAsText("instanceId"));
            assertThat(ran).hasSize(1);
            assertThat(instance).endsWith("]" + ran.iterator().next());
            assertThat(records.findValues("queueMs").stream().filter(ms -> ms.asLong() >= 500)).hasSize(5);
        }
    }

    @Test
    void aCallQueuedBehindOneThatTimesOutOrCrashesRunsOnAFreshInstance() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("queue-wait-ms", "30000"));
             ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            body.put("concurrency", 1);
            body.put("timeoutSeconds", 1);
            assertThat(platform.deploy("fragile", body).statusCode()).isEqualTo(201);
            // The first ends on the timer's thread, the second on the thread that saw the process exit.
            for (String ending : List.of("{\"sleep_ms\": 5000}", "{\"sleep_ms\": 700, \"exit\": 3}")) {
                String before = TestPlatform.parse(platform.invoke("fragile", "{}").body()).path("instance").asText();
                Future<HttpResponse<String>> failing = callers.submit(() -> platform.invoke("fragile", ending));
                await().until(() -> platform.instances("fragile", "busy") == 1);
                Future<HttpResponse<String>> queued = callers.submit(() -> platform.invoke("fragile", "{}"));
                await().until(() -> platform.instances("fragile", "waitingCallers") == 1);
                assertThat(failing.get(20, TimeUnit.SECONDS).headers().firstValue("X-Aloft-Function-Error")).contains("Unhandled");
                HttpResponse<String> next = queued.get(20, TimeUnit.SECONDS);
                assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
                assertThat(TestPlatform.parse(next.body()).path("instance").asText()).isNotEqualTo(before);
                assertThat(platform.server.liveInstances("fragile")).isEqualTo(1);
            }
            // Each stop is counted for what ended the instance.
            await().until(() -> platform.metric("aloft_instances_stopped_total{function=\"fragile\",reason=\"died\"}") == 1);
            assertThat(platform.metric("aloft_instances_stopped_total{function=\"fragile\",reason=\"timed_out\"}")).isEqualTo(1);
        }
    }

    @Test
    void aColdBurstStartsOnlyAsManyInstancesAsItNeeds() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("max-parallel-starts", "3").with("queue-wait-ms", "30000"))) {
            deployBehave(platform, "bursty", 60);
            List<HttpResponse<String>> responses = invokeConcurrently(platform, "bursty", "{\"sleep_ms\": 20}", 60);
            Set<String> instances = new HashSet<>();
            for (HttpResponse<String> response : responses) {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                instances.add(TestPlatform.parse(response.body()).path("instance").asText());
            }
            // Without the cap every one of the 60 waiting requests started its own instance.
            assertThat(instances).hasSizeLessThanOrEqualTo(30);
        }
    }

    @Test
    void shortInvocationsWaitForABusyInstanceWhileLongOnesScaleOut() throws Exception {
        try (TestPlatform platform = TestPlatform.start()) {
            deployBehave(platform, "quick", 8);
            deployBehave(platform, "slow", 8);
            // Teaches each pool its start time and its invocation time.
            for (int i = 0; i < 10; i++) {
                assertThat(platform.invoke("quick", "{}").statusCode()).isEqualTo(200);
            }
            for (int i = 0; i < 2; i++) {
                assertThat(platform.invoke("slow", "{\"sleep_ms\": 1000}").statusCode()).isEqualTo(200);
            }
            Set<String> quickInstances = platform.invokeTogether("quick", "{}", 8, 25);
            // A start takes 100-300 ms, a quick invocation a few: eight callers share far fewer instances.
            assertThat(quickInstances).hasSizeLessThanOrEqualTo(4);
            assertThat(platform.get("/metrics").body()).containsPattern("aloft_scale_out_deferred_total\\{function=\"quick\"} [1-9]");

            Set<String> slowInstances = new HashSet<>();
            for (HttpResponse<String> response : invokeConcurrently(platform, "slow", "{\"sleep_ms\": 1000}", 4)) {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                slowInstances.add(TestPlatform.parse(response.body()).path("instance").asText());
            }
            // An invocation outlasts a start: each concurrent caller gets its own instance.
            assertThat(slowInstances).hasSize(4);
        }
    }

    @Test
    void aBurstAtANewFunctionWaitsForItsFirstStartInsteadOfEachStartingOne() throws Exception {
        int cores = java.lang.Runtime.getRuntime().availableProcessors();
        // Enough start slots that each early caller could have started its own, as each did before.
        int parallelStarts = cores + 2;
        try (TestPlatform platform = TestPlatform.start(s -> s.with("max-parallel-starts", Integer.toString(parallelStarts))
                .with("queue-wait-ms", "30000"))) {
            // slow-init: the runtime takes 3 s before it asks for its first event; the calls are quick.
            var body = TestPlatform.deployBody("provided", "slow-init", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            body.put("concurrency", 100);
            assertThat(platform.deploy("newcomer", body).statusCode()).isEqualTo(201);
            for (HttpResponse<String> response : invokeConcurrently(platform, "newcomer", "{}", 2 * parallelStarts)) {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            }
            // The first start, and once its first call came back, at most one per idle core for the queue.
            assertThat(platform.metric("aloft_instances_started_total{function=\"newcomer\"}")).isBetween(1L, (long) cores);
        }
    }

    @Test
    void requestsBeyondTheLimitAndTheQueueWaitGet429() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("queue-wait-ms", "200"))) {
            deployBehave(platform, "throttled", 1);
            List<HttpResponse<String>> responses = invokeConcurrently(platform, "throttled", "{\"sleep_ms\": 2000}", 3);
            long ok = responses.stream().filter(r -> r.statusCode() == 200).count();
            List<HttpResponse<String>> throttled = responses.stream().filter(r -> r.statusCode() == 429).toList();
            assertThat(ok).isEqualTo(1);
            assertThat(throttled).hasSize(2);
            JsonNode error = TestPlatform.parse(throttled.getFirst().body());
            assertThat(error.path("errorType").asText()).isEqualTo("TooManyRequestsException");
            assertThat(error.path("message").asText()).contains("'throttled' is at its concurrency limit of 1");
            JsonNode recorded = TestPlatform.parse(platform.get("/api/v1/invocations?function=throttled&status=throttled").body());
            assertThat(recorded.path("invocations")).hasSize(2);
            assertThat(platform.get("/metrics").body()).contains("aloft_invocations_throttled_total{function=\"throttled\"} 2");
            // A deleted function's series go with it.
            assertThat(platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/throttled")).DELETE()).statusCode())
                    .isEqualTo(204);
            assertThat(platform.get("/metrics").body()).doesNotContain("function=\"throttled\"");
        }
    }

    @Test
    void idleInstancesStopAfterTheKeepAliveAndTheNextCallStartsOneAgain() {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("keep-alive-seconds", "1"))) {
            String sha = deployBehave(platform, "sleepy", 5);
            String first = TestPlatform.parse(platform.invoke("sleepy", "{}").body()).path("instance").asText();
            assertThat(platform.server.liveInstances("sleepy")).isEqualTo(1);
            assertThat(TestPlatform.processesRunning(sha)).isPositive();
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("sleepy") == 0);
            await().atMost(Duration.ofSeconds(5)).until(() -> TestPlatform.processesRunning(sha) == 0);
            var again = platform.invoke("sleepy", "{}");
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(TestPlatform.parse(again.body()).path("instance").asText()).isNotEqualTo(first);
            String metrics = platform.get("/metrics").body();
            assertThat(metrics).contains("aloft_instances_started_total{function=\"sleepy\"} 2")
                    .contains("aloft_instances_stopped_total{function=\"sleepy\",reason=\"idle\"} 1")
                    .contains("aloft_instances_live{function=\"sleepy\"} 1");
            assertThat(platform.sendRaw(HttpRequest.newBuilder(platform.url("/metrics")).GET()).statusCode())
                    .isEqualTo(401);
        }
    }

    @Test
    void provisionedInstancesStartWithoutTrafficAndAreNeverScaledBelow() {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("keep-alive-seconds", "1"))) {
            var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            body.put("concurrency", 4);
            body.put("minInstances", 2);
            var deployed = platform.deploy("provisioned", body);
            assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("provisioned") == 2);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> platform.server.liveInstances("provisioned") == 2);
            var response = platform.invoke("provisioned", "{}");
            String id = response.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
            assertThat(TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body()).path("cold").asBoolean()).isFalse();

            body.put("minInstances", 0);
            assertThat(platform.deploy("provisioned", body).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("provisioned") == 0);

            body.put("minInstances", 5);
            assertThat(platform.deploy("provisioned", body).body()).contains("minInstances must be between 0 and the concurrency (4)");
        }
    }

    @Test
    void aProvisionedInstanceThatKeepsDyingInitialisingIsReplacedAfterABackoffNotAtEveryReap() {
        // keep-alive 1 s: the reaper looks every 250 ms, and without the backoff replaced it each time.
        try (TestPlatform platform = TestPlatform.start(s -> s.with("keep-alive-seconds", "1"))) {
            var body = TestPlatform.deployBody("provided", "exit-init", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            body.put("minInstances", 1);
            assertThat(platform.deploy("unbootable", body).statusCode()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> platform.metric("aloft_instances_stopped_total{function=\"unbootable\",reason=\"died\"}") >= 1);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4))
                    .until(() -> platform.metric("aloft_instances_started_total{function=\"unbootable\"}") == 1);

            // Fixed, it is provisioned at once.
            body.put("handler", "behave");
            assertThat(platform.deploy("unbootable", body).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("unbootable") == 1);
            assertThat(platform.invokeOk("unbootable", "{}").path("instance").asText()).isNotEmpty();
        }
    }

    @Test
    void aCallThatMeetsAProvisionedInstanceStillInitialisingIsRecordedColdByTheInitItWaitedFor() {
        try (TestPlatform platform = TestPlatform.start()) {
            // slow-init: the runtime takes 3 s before it asks for its first event.
            var body = TestPlatform.deployBody("provided", "slow-init", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            body.put("minInstances", 1);
            assertThat(platform.deploy("warming", body).statusCode()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(2)).until(() -> platform.instances("warming", "initialising") == 1);

            var response = platform.invoke("warming", "{}");
            assertThat(response.statusCode()).isEqualTo(200);
            String id = response.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
            JsonNode record = TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body());
            assertThat(record.path("cold").asBoolean()).as(record.toString()).isTrue();
            // It waited for most of the 3 s (the process had started just before), not for a whole start of its own.
            assertThat(record.path("initMs").asLong()).as(record.toString()).isBetween(500L, 5_000L);
            assertThat(platform.get("/metrics").body()).contains("aloft_instances_started_total{function=\"warming\"} 1\n");
        }
    }

    /**
     * Deploys {@code name} (each runtime takes 3 s to initialise), keeps its first instance busy and
     * has a second call start another; returns the first instance's log stream, once the second
     * call has run on it, still warm, while the instance started for it initialises.
     */
    private static String secondCallMovesToTheFirstInstance(TestPlatform platform, ExecutorService callers, String name)
            throws Exception {
        // slow-init: each runtime takes 3 s before it asks for its first event.
        var body = TestPlatform.deployBody("provided", "slow-init", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("concurrency", 2);
        assertThat(platform.deploy(name, body).statusCode()).isEqualTo(201);
        Future<HttpResponse<String>> first = callers.submit(() ->
                platform.invoke(name, "{\"print\": [\"first running\"], \"sleep_ms\": 4500}"));
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.get("/api/v1/functions/" + name + "/logs").body().contains("first running"));
        // The only instance is busy for 4.5 s: once that call has run longer than a start took (3 s),
        // this one starts a second instance, which needs 3 s more.
        Future<HttpResponse<String>> second = callers.submit(() -> platform.invoke(name, "{}"));
        await().until(() -> platform.server.liveInstances(name) == 2);

        String firstInstance = TestPlatform.parse(first.get(20, TimeUnit.SECONDS).body()).path("instance").asText();
        HttpResponse<String> moved = second.get(20, TimeUnit.SECONDS);
        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
        assertThat(TestPlatform.parse(moved.body()).path("instance").asText()).isEqualTo(firstInstance);
        String id = moved.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
        JsonNode record = TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body());
        assertThat(record.path("cold").asBoolean()).as(record.toString()).isFalse();
        return firstInstance;
    }

    @Test
    void aCallWaitingForTheInstanceStartedForItMovesToOneThatFreesUpSooner() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("queue-wait-ms", "30000"));
             ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            String firstInstance = secondCallMovesToTheFirstInstance(platform, callers, "hopper");
            // The instance started for it comes back once ready, like any other, and serves calls.
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.instances("hopper", "idle") == 2);
            assertThat(platform.server.liveInstances("hopper")).isEqualTo(2);
            Set<String> served = new HashSet<>();
            for (HttpResponse<String> response : invokeConcurrently(platform, "hopper", "{\"sleep_ms\": 500}", 2)) {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                served.add(TestPlatform.parse(response.body()).path("instance").asText());
            }
            assertThat(served).hasSize(2).contains(firstInstance);
        }
    }

    @Test
    void anInstanceWhoseCallMovedAndThatDiesInitialisingIsCountedOut() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("queue-wait-ms", "30000"));
             ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            String firstInstance = secondCallMovesToTheFirstInstance(platform, callers, "orphan");
            // The second instance still initialises (~1.5 s left): kill its processes.
            List<ProcessHandle> second = ProcessHandle.allProcesses().filter(p -> {
                String environment = environment(p);
                return environment.contains("\0AWS_LAMBDA_FUNCTION_NAME=orphan\0") && !environment.contains(firstInstance + "\0");
            }).toList();
            assertThat(second).isNotEmpty();
            second.forEach(ProcessHandle::destroyForcibly);

            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("orphan") == 1);
            assertThat(platform.metric("aloft_instances_stopped_total{function=\"orphan\",reason=\"died\"}")).isEqualTo(1);
            assertThat(platform.instances("orphan", "busy")).isZero();
            HttpResponse<String> after = platform.invoke("orphan", "{}");
            assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
            assertThat(TestPlatform.parse(after.body()).path("instance").asText()).isEqualTo(firstInstance);
        }
    }

    /** A process's environment as NUL-separated text, framed by NULs; empty when it is gone or unreadable. */
    private static String environment(ProcessHandle process) {
        try {
            return "\0" + new String(Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "environ")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void redeployRetiresOldInstancesAndServesTheNewCode() {
        try (TestPlatform platform = TestPlatform.start()) {
            String oldSha = deployBehave(platform, "changing", 5);
            platform.invoke("changing", "{}");
            assertThat(TestPlatform.processesRunning(oldSha)).isPositive();
            var body = TestPlatform.deployBody("provided", "echo", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("shell-echo")));
            assertThat(platform.deploy("changing", body).statusCode()).isEqualTo(200);
            assertThat(platform.invoke("changing", "{\"v\":2}").body()).isEqualTo("{\"echo\":{\"v\":2}}");
            await().atMost(Duration.ofSeconds(5)).until(() -> TestPlatform.processesRunning(oldSha) == 0);
        }
    }

    @Test
    void aDeleteFailsTheCallsQueuedForTheFunctionAndOneCreatedAgainNeverRunsTheOldCode() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("queue-wait-ms", "30000"));
             ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            String oldSha = deployBehave(platform, "reborn", 1);
            platform.invokeOk("reborn", "{}");
            Future<HttpResponse<String>> running = callers.submit(() -> platform.invoke("reborn", "{\"sleep_ms\": 1500}"));
            await().atMost(Duration.ofSeconds(5)).until(() -> platform.instances("reborn", "busy") == 1);
            Future<HttpResponse<String>> queued = callers.submit(() -> platform.invoke("reborn", "{}"));
            await().atMost(Duration.ofSeconds(5)).until(() -> platform.instances("reborn", "waitingCallers") == 1);
            assertThat(platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/reborn")).DELETE()).statusCode())
                    .isEqualTo(204);
            var body = TestPlatform.deployBody("provided", "echo", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("shell-echo")));
            assertThat(platform.deploy("reborn", body).statusCode()).isEqualTo(201);

            // The queued call neither starts an instance of the deleted function nor waits out the queue.
            HttpResponse<String> failed = queued.get(10, TimeUnit.SECONDS);
            assertThat(failed.statusCode()).as(failed.body()).isEqualTo(404);
            assertThat(failed.body()).contains("'reborn' was deleted while this call waited for an instance");
            assertThat(running.get().statusCode()).isEqualTo(200);
            // Same name, revision 1 each time before: the old instance passed for the new function's.
            for (int i = 0; i < 3; i++) {
                assertThat(platform.invoke("reborn", "{\"v\":" + i + "}").body()).isEqualTo("{\"echo\":{\"v\":" + i + "}}");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> TestPlatform.processesRunning(oldSha) == 0);
            assertThat(TestPlatform.parse(platform.get("/api/v1/functions/reborn").body()).path("revision").asLong())
                    .isGreaterThan(1);
            // Its counters start again too: only the new function's one start.
            assertThat(platform.metric("aloft_instances_started_total{function=\"reborn\"}")).isEqualTo(1);
        }
    }

    @Test
    void unchangedRedeployIsFreeAndKeepsWarmInstances() {
        try (TestPlatform platform = TestPlatform.start()) {
            deployBehave(platform, "stable", 5);
            JsonNode before = TestPlatform.parse(platform.get("/api/v1/functions/stable").body());
            String instance = TestPlatform.parse(platform.invoke("stable", "{}").body()).path("instance").asText();
            var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            body.put("concurrency", 5);
            var again = platform.deploy("stable", body);
            assertThat(again.statusCode()).isEqualTo(200);
            JsonNode after = TestPlatform.parse(again.body());
            assertThat(after.path("revision").asLong()).isEqualTo(before.path("revision").asLong());
            assertThat(after.path("codeSha256").asText()).isEqualTo(before.path("codeSha256").asText());
            assertThat(TestPlatform.parse(platform.invoke("stable", "{}").body()).path("instance").asText()).isEqualTo(instance);
        }
    }

    @Test
    void aChangeOfScaleOnlyKeepsTheWarmInstancesServing() {
        try (TestPlatform platform = TestPlatform.start()) {
            deployBehave(platform, "rescaled", 4);
            JsonNode before = TestPlatform.parse(platform.get("/api/v1/functions/rescaled").body());
            String instance = TestPlatform.parse(platform.invoke("rescaled", "{}").body()).path("instance").asText();
            var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            body.put("concurrency", 8);
            body.put("reservedConcurrency", 1);
            var rescaled = platform.deploy("rescaled", body);
            assertThat(rescaled.statusCode()).isEqualTo(200);
            assertThat(TestPlatform.parse(rescaled.body()).path("concurrency").asInt()).isEqualTo(8);
            assertThat(TestPlatform.parse(rescaled.body()).path("revision").asLong()).isEqualTo(before.path("revision").asLong());
            var response = platform.invoke("rescaled", "{}");
            assertThat(TestPlatform.parse(response.body()).path("instance").asText()).isEqualTo(instance);
            String id = response.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
            assertThat(TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body()).path("cold").asBoolean()).isFalse();

            // A change of what runs still recycles them.
            body.put("memoryMb", 192);
            assertThat(platform.deploy("rescaled", body).statusCode()).isEqualTo(200);
            assertThat(TestPlatform.parse(platform.invoke("rescaled", "{}").body()).path("instance").asText()).isNotEqualTo(instance);
        }
    }

    @Test
    void logPumpsDoNotHoldVirtualThreadCarriers() {
        // Regression: pumps on virtual threads pinned a carrier each while blocked on a pipe, so
        // ~128 idle instances took all 256 carriers and the whole server stopped answering.
        try (TestPlatform platform = TestPlatform.start()) {
            deployBehave(platform, "pumped", 2);
            platform.invoke("pumped", "{}");
            List<Thread> pumps = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("log-")).toList();
            assertThat(pumps).isNotEmpty().noneMatch(Thread::isVirtual);
        }
    }

    @Test
    void identicalCodeDeployedInParallelIsStoredOnce() throws Exception {
        try (TestPlatform platform = TestPlatform.start(); ExecutorService pool = Executors.newFixedThreadPool(8)) {
            byte[] zip = TestPlatform.zipOf(List.<String[]>of(new String[]{"index.mjs", "export const handler = async () => 1;"}));
            List<Future<HttpResponse<String>>> deploys = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String name = "same-" + i;
                deploys.add(pool.submit(() -> platform.deploy(name, TestPlatform.deployBody("nodejs20", "index.handler", zip))));
            }
            for (Future<HttpResponse<String>> deploy : deploys) {
                assertThat(deploy.get().statusCode()).as(deploy.get().body()).isEqualTo(201);
            }
        }
    }

    @Test
    void deployedFunctionsSurviveARestart() throws Exception {
        TestPlatform first = TestPlatform.start();
        deployBehave(first, "durable", 3);
        String token = first.server.adminToken();
        first.close();
        try (TestPlatform second = TestPlatform.restart(first.dataDir)) {
            assertThat(second.server.adminToken()).isEqualTo(token);
            assertThat(second.get("/api/v1/functions").body()).contains("\"name\":\"durable\"");
            var response = second.invoke("durable", "{\"echo\": \"back\"}");
            assertThat(response.body()).isEqualTo("{\"echo\": \"back\"}");
        }
    }
}
