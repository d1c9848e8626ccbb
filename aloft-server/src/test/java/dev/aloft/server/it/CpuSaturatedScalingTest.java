package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On saturated cores a function scales out only while its instances add throughput: a CPU-bound
 * one stops near the core count, one waiting on I/O gets an instance per caller as before.
 * The node is declared saturated ({@code cpu-saturated-idle-percent} 100), so the outcome does not
 * hang on how busy the test machine happens to be.
 */
class CpuSaturatedScalingTest {

    private static void deployBehave(TestPlatform platform, String name) {
        var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("concurrency", 64);
        assertThat(platform.deploy(name, body).statusCode()).isEqualTo(201);
    }

    /** {@code callers} clients each invoke {@code calls} times in a row; returns the instances that answered. */
    private static Set<String> callTogether(TestPlatform platform, String name, String payload, int callers, int calls)
            throws Exception {
        Set<String> instances = ConcurrentHashMap.newKeySet();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> loops = new ArrayList<>();
            for (int client = 0; client < callers; client++) {
                loops.add(clients.submit(() -> {
                    for (int i = 0; i < calls; i++) {
                        var response = platform.invoke(name, payload);
                        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                        instances.add(TestPlatform.parse(response.body()).path("instance").asText());
                    }
                    return null;
                }));
            }
            for (Future<?> loop : loops) {
                loop.get();
            }
        }
        return instances;
    }

    private static long counter(String metrics, String series) {
        return metrics.lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Long.parseLong(line.substring(series.length() + 1))).orElse(0L);
    }

    @Test
    void aCpuBoundFunctionStopsScalingWhereInstancesStopAddingThroughputAndAnIoBoundOneDoesNot() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("cpu-saturated-idle-percent", "100")
                .with("queue-wait-ms", "60000"))) {
            deployBehave(platform, "burner");
            deployBehave(platform, "sleeper");
            String burn = "{\"burn_ms\": 40}";
            // One at a time first: the pool learns a start's time and what one instance serves. Long
            // enough that the test JVM's own start-up (JIT on the same cores) is past.
            callTogether(platform, "burner", burn, 1, 30);

            // Two callers per core and two more: each starts an instance of its own, as nothing is
            // measured yet. On saturated cores the instances serve the cores' worth of callers, and
            // those beyond what half an instance's worth per step from one explains stop: 2 c - 1
            // on c cores (3 on 2). Timing noise in what one instance served (other tests share the
            // cores) may leave a few more: at most 6 of the 10 on 2 cores.
            int cores = Runtime.getRuntime().availableProcessors();
            callTogether(platform, "burner", burn, 4 * cores + 2, 40);
            assertThat(platform.server.liveInstances("burner")).isLessThanOrEqualTo(2 * cores + 2);
            // Held back before starting, or stopped once measured: a burst may start some before any step is known.
            String metrics = platform.get("/metrics").body();
            long held = counter(metrics, "aloft_scale_out_held_for_cpu_total{function=\"burner\"}");
            assertThat(held + counter(metrics, "aloft_instances_stopped_total{function=\"burner\",reason=\"cpu_saturated\"}"))
                    .isPositive();
            JsonNode cpu = TestPlatform.parse(platform.get("/api/v1/functions/burner/scaling").body()).path("cpu");
            assertThat(cpu.path("nodeSaturated").asBoolean()).isTrue();
            assertThat(cpu.path("callersHeld").asLong()).isEqualTo(held);

            // Sleeping takes no CPU: every caller's instance adds throughput, saturated cores or not.
            callTogether(platform, "sleeper", "{\"sleep_ms\": 300}", 1, 10);
            Set<String> sleepers = callTogether(platform, "sleeper", "{\"sleep_ms\": 300}", 6, 3);
            assertThat(sleepers).hasSize(6);
        }
    }
}
