package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.ServerSettings;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The node memory budget: it caps live instances, evicts other functions' idle instances least
 * recently used first, keeps reservations, shares the rest fairly and throttles when full. Every
 * function here takes the minimum memory (128 MB) so tiny budgets hold a few instances.
 */
class MemoryBudgetTest {

    private static final int MB = 128;

    private static ObjectNode behave(int concurrency) {
        ObjectNode body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("memoryMb", MB);
        body.put("concurrency", concurrency);
        return body;
    }

    private static void deploy(TestPlatform platform, String name, ObjectNode body) {
        HttpResponse<String> response = platform.deploy(name, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    /** A deploy of a new function refused with {@code reason}, and nothing of it stored. */
    private static void assertRefused(TestPlatform platform, String name, ObjectNode body, String reason) {
        HttpResponse<String> refused = platform.deploy(name, body);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains(reason);
        assertThat(platform.get("/api/v1/functions/" + name).statusCode()).isEqualTo(404);
    }

    private static String instanceOf(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestPlatform.parse(response.body()).path("instance").asText();
    }

    private static List<CompletableFuture<HttpResponse<String>>> invokeInBackground(TestPlatform platform, String name,
                                                                                    String payload, int count) {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(CompletableFuture.supplyAsync(() -> platform.invoke(name, payload),
                    task -> Thread.ofVirtual().start(task)));
        }
        return futures;
    }

    /**
     * A budget of {@code mb} with no prewarm pool: its processes would hold budget memory and come
     * and go on their own schedule (PrewarmTest covers how they give way).
     */
    private static ServerSettings budgetOnly(ServerSettings settings, int mb) {
        return settings.with("memory-budget-mb", Integer.toString(mb)).with("prewarm", "none");
    }

    @Test
    void theBudgetCapsLiveInstancesAndAFullNodeThrottlesWithTheBudgetInTheMessage() {
        try (TestPlatform platform = TestPlatform.start(s -> budgetOnly(s, 384).with("queue-wait-ms", "500"))) {
            deploy(platform, "capped", behave(10));
            // The pool learns that a call outlasts a start, so the burst's callers start instances at
            // once rather than wait for the first start and call (the 500 ms queue wait would end first).
            assertThat(platform.invoke("capped", "{\"sleep_ms\": 1000}").statusCode()).isEqualTo(200);
            var calls = invokeInBackground(platform, "capped", "{\"sleep_ms\": 3000}", 5);
            List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();

            assertThat(responses).filteredOn(r -> r.statusCode() == 200).hasSize(3);
            List<HttpResponse<String>> throttled = responses.stream().filter(r -> r.statusCode() == 429).toList();
            assertThat(throttled).hasSize(2);
            JsonNode error = TestPlatform.parse(throttled.getFirst().body());
            assertThat(error.path("errorType").asText()).isEqualTo("TooManyRequestsException");
            assertThat(error.path("message").asText()).contains("the node memory budget (384 MB) is in use")
                    .contains("raise memory-budget-mb");
            assertThat(platform.server.liveInstances("capped")).isEqualTo(3);
            assertThat(platform.metric("aloft_memory_used_mb")).isEqualTo(384);
            assertThat(platform.metric("aloft_memory_budget_mb")).isEqualTo(384);
        }
    }

    @Test
    void aFullNodeEvictsTheLeastRecentlyUsedIdleInstanceOfAnotherFunction() {
        try (TestPlatform platform = TestPlatform.start(s -> budgetOnly(s, 384))) {
            for (String name : List.of("oldest", "middle", "newest", "newcomer")) {
                deploy(platform, name, behave(2));
            }
            instanceOf(platform.invoke("oldest", "{}"));
            String middle = instanceOf(platform.invoke("middle", "{}"));
            String newest = instanceOf(platform.invoke("newest", "{}"));

            instanceOf(platform.invoke("newcomer", "{}"));

            assertThat(platform.server.liveInstances("oldest")).isZero();
            assertThat(platform.server.liveInstances("newcomer")).isEqualTo(1);
            assertThat(instanceOf(platform.invoke("middle", "{}"))).isEqualTo(middle);
            assertThat(instanceOf(platform.invoke("newest", "{}"))).isEqualTo(newest);
            assertThat(platform.metric("aloft_instances_stopped_total{function=\"oldest\",reason=\"evicted\"}")).isEqualTo(1);
            assertThat(platform.metric("aloft_instances_stopped_total{function=\"middle\",reason=\"evicted\"}")).isZero();
        }
    }

    @Test
    void aFunctionWithReservedConcurrencyGetsItsInstancesWhileAnotherFloodsTheNode() {
        try (TestPlatform platform = TestPlatform.start(s -> budgetOnly(s, 512).with("queue-wait-ms", "500"))) {
            ObjectNode reserved = behave(2);
            reserved.put("reservedConcurrency", 2);
            deploy(platform, "reserved", reserved);
            deploy(platform, "flood", behave(10));

            var flood = invokeInBackground(platform, "flood", "{\"sleep_ms\": 4000}", 6);
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("flood") == 2);
            // Calls that outlast a start: the second caller starts an instance rather than wait for the first.
            var guaranteed = invokeInBackground(platform, "reserved", "{\"sleep_ms\": 1500}", 2);

            Set<String> reservedInstances = new HashSet<>();
            guaranteed.forEach(call -> reservedInstances.add(instanceOf(call.join())));
            assertThat(reservedInstances).hasSize(2);
            List<HttpResponse<String>> flooded = flood.stream().map(CompletableFuture::join).toList();
            assertThat(flooded).filteredOn(r -> r.statusCode() == 200).hasSize(2);
            assertThat(flooded).filteredOn(r -> r.statusCode() == 429).hasSize(4)
                    .allSatisfy(r -> assertThat(r.body()).contains("node memory budget (512 MB)"));
            assertThat(platform.server.liveInstances("flood")).isEqualTo(2);
        }
    }

    @Test
    void aHotFunctionYieldsAnInstanceToAFunctionBelowItsFairShare() {
        try (TestPlatform platform = TestPlatform.start(s -> budgetOnly(s, 512).with("queue-wait-ms", "30000"))) {
            deploy(platform, "hot", behave(10));
            deploy(platform, "cold", behave(2));

            var hot = invokeInBackground(platform, "hot", "{\"sleep_ms\": 1500}", 8);
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("hot") == 4);
            instanceOf(platform.invoke("cold", "{}"));

            hot.forEach(call -> instanceOf(call.join()));
            // The first hot instance to finish stopped instead of serving hot's backlog.
            assertThat(platform.metric("aloft_instances_stopped_total{function=\"hot\",reason=\"fair_share\"}"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(platform.metric("aloft_invocations_throttled_total{function=\"hot\"}")).isZero();
        }
    }

    @Test
    void badReservationsAreRefusedWithTheReason() {
        try (TestPlatform platform = TestPlatform.start(s -> budgetOnly(s, 384))) {
            ObjectNode negative = behave(2);
            negative.put("reservedConcurrency", -1);
            HttpResponse<String> refused = platform.deploy("negative", negative);
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(refused.body()).contains("reservedConcurrency must be between 0 (none) and the concurrency (2), got -1");

            ObjectNode overCap = behave(2);
            overCap.put("reservedConcurrency", 3);
            assertThat(platform.deploy("over-cap", overCap).body()).contains("the concurrency (2), got 3");

            ObjectNode first = behave(2);
            first.put("reservedConcurrency", 1);
            deploy(platform, "first", first);
            ObjectNode second = behave(2);
            second.put("reservedConcurrency", 2);
            assertRefused(platform, "second", second, "reservedConcurrency 2 of 'second' needs 256 MB (2 × 128 MB) but only"
                    + " 217 MB of the node memory budget (384 MB) may still be reserved or provisioned: 128 MB is for other"
                    + " functions and 39 MB (10%) stays unreserved; lower reservedConcurrency or memoryMb, or raise"
                    + " memory-budget-mb");
            assertThat(TestPlatform.parse(platform.get("/api/v1/functions/first").body()).path("reservedConcurrency").asInt())
                    .isEqualTo(1);
            second.put("reservedConcurrency", 1);
            deploy(platform, "second", second);

            ObjectNode huge = behave(2);
            huge.put("memoryMb", 512);
            assertThat(platform.deploy("huge", huge).body())
                    .contains("memoryMb 512 of 'huge' exceeds the node memory budget (384 MB)");
        }
    }

    @Test
    void aProvisionedMinimumTheBudgetCannotHoldIsRefusedAndNothingIsDeployed() {
        try (TestPlatform platform = TestPlatform.start(s -> budgetOnly(s, 384))) {
            ObjectNode provisioned = behave(4);
            provisioned.put("minInstances", 4);
            assertRefused(platform, "provisioned", provisioned, "minInstances 4 of 'provisioned' needs 512 MB (4 × 128 MB) "
                    + "but only 345 MB of the node memory budget (384 MB) may still be reserved or provisioned: 0 MB is for other"
                    + " functions and 39 MB (10%) stays unreserved");
            assertThat(platform.server.liveInstances("provisioned")).isZero();
        }
    }

    /** Provisioned instances hold memory no reservation may count on, and the other way round. */
    @Test
    void provisionedMinimumsAndReservationsMustFitTheBudgetTogether() {
        try (TestPlatform platform = TestPlatform.start(s -> budgetOnly(s, 640))) {
            ObjectNode provisioned = behave(4);
            provisioned.put("minInstances", 2);
            deploy(platform, "provisioned", provisioned);
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("provisioned") == 2);

            ObjectNode reserved = behave(4);
            reserved.put("reservedConcurrency", 3);
            assertRefused(platform, "reserved", reserved, "reservedConcurrency 3 of 'reserved' needs 384 MB (3 × 128 MB) "
                    + "but only 320 MB of the node memory budget (640 MB) may still be reserved or provisioned: 256 MB is for"
                    + " other functions");
            reserved.put("reservedConcurrency", 2);
            deploy(platform, "reserved", reserved);

            // Updates are checked as deploys are: more instances, or more memory each.
            provisioned.put("minInstances", 3);
            assertThat(platform.deploy("provisioned", provisioned).body()).contains("minInstances 3 of 'provisioned' needs 384 MB "
                    + "(3 × 128 MB) but only 320 MB of the node memory budget (640 MB) may still be reserved or provisioned");
            provisioned.put("minInstances", 2);
            provisioned.put("memoryMb", 2 * MB);
            assertThat(platform.deploy("provisioned", provisioned).body()).contains("minInstances 2 of 'provisioned' needs 512 MB "
                    + "(2 × 256 MB) but only 320 MB of the node memory budget (640 MB) may still be reserved or provisioned");
            JsonNode unchanged = TestPlatform.parse(platform.get("/api/v1/functions/provisioned").body());
            assertThat(unchanged.path("minInstances").asInt()).isEqualTo(2);
            assertThat(unchanged.path("memoryMb").asInt()).isEqualTo(MB);
            assertThat(platform.server.liveInstances("provisioned")).isEqualTo(2);

            // Provisioned instances inside a function's own reservation count once, and all of them start.
            reserved.put("minInstances", 2);
            HttpResponse<String> both = platform.deploy("reserved", reserved);
            assertThat(both.statusCode()).as(both.body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.server.liveInstances("reserved") == 2);
        }
    }

    /**
     * Reservations and provisioned minimums together leave a tenth of the budget (128 of 1280 MB)
     * to functions that keep nothing, as Lambda keeps 100 of its 1000 concurrency unreserved.
     */
    @Test
    void reservationsAndProvisionedMinimumsLeaveATenthOfTheBudgetUnreserved() {
        try (TestPlatform platform = TestPlatform.start(s -> budgetOnly(s, 1280))) {
            ObjectNode reserved = behave(10);
            reserved.put("reservedConcurrency", 10);
            assertRefused(platform, "reserved", reserved, "reservedConcurrency 10 of 'reserved' needs 1280 MB (10 × 128 MB) but"
                    + " only 1152 MB of the node memory budget (1280 MB) may still be reserved or provisioned: 0 MB is for other"
                    + " functions and 128 MB (10%) stays unreserved");
            reserved.put("reservedConcurrency", 9);
            deploy(platform, "reserved", reserved);

            String leftNothing = "of the node memory budget (1280 MB) may still be reserved or provisioned: 1152 MB is for other"
                    + " functions and 128 MB (10%) stays unreserved";
            ObjectNode greedy = behave(1);
            greedy.put("reservedConcurrency", 1);
            assertRefused(platform, "greedy", greedy, "reservedConcurrency 1 of 'greedy' needs 128 MB (1 × 128 MB) but only"
                    + " 0 MB " + leftNothing);
            ObjectNode provisioned = behave(1);
            provisioned.put("minInstances", 1);
            assertRefused(platform, "provisioned", provisioned, "minInstances 1 of 'provisioned' needs 128 MB (1 × 128 MB) but"
                    + " only 0 MB " + leftNothing);

            deploy(platform, "plain", behave(1));
            instanceOf(platform.invoke("plain", "{}"));
        }
    }

    @Test
    void aBurstOf200RequestsToAColdFunctionCompletesWithOnlyTheInstancesItNeeds() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("memory-budget-mb", Integer.toString(200 * MB))
                .with("queue-wait-ms", "50000"))) {
            deploy(platform, "burst", behave(200));
            List<HttpResponse<String>> responses = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<HttpResponse<String>>> futures = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    futures.add(pool.submit(() -> platform.invoke("burst", "{\"sleep_ms\": 20}")));
                }
                for (Future<HttpResponse<String>> future : futures) {
                    responses.add(future.get());
                }
            }
            Set<String> instances = new HashSet<>();
            responses.forEach(response -> instances.add(instanceOf(response)));
            // The waves of max-parallel-starts kept the starts far below one per request. A start's
            // call may have moved to an instance that freed up sooner; the instance started for it
            // then went idle once ready (or stopped): none is left busy, none counted twice.
            long started = platform.metric("aloft_instances_started_total{function=\"burst\"}");
            assertThat(started).isLessThanOrEqualTo(100).isGreaterThanOrEqualTo(instances.size());
            await().atMost(Duration.ofSeconds(10)).until(() -> platform.instances("burst", "busy") == 0
                    && platform.instances("burst", "idle") == platform.server.liveInstances("burst"));
            assertThat(platform.server.liveInstances("burst")).isBetween(1, (int) started);
            assertThat(platform.metric("aloft_invocations_throttled_total{function=\"burst\"}")).isZero();
        }
    }
}
