package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.Set;

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

    @Test
    void aCpuBoundFunctionStopsScalingWhereInstancesStopAddingThroughputAndAnIoBoundOneDoesNot() throws Exception {
        // Starts at once beyond the cores (the default), so that only the CPU rule holds a caller
        // back: with 2 at a time, a caller that finds both slots taken may rightly wait for a sleeper.
        try (TestPlatform platform = TestPlatform.start(s -> s.with("cpu-saturated-idle-percent", "100")
                .with("queue-wait-ms", "60000").with("max-parallel-starts", "8"))) {
            deployBehave(platform, "burner");
            deployBehave(platform, "sleeper");
            // Calls of 100 ms: a queue of callers on the cores' worth of instances waits longer than a
            // Python boot takes even on a slow machine, so the wait rule alone would start more and
            // the CPU rule is what holds the pool back. A scheduling hiccup during the one-at-a-time
            // calls below (what every step is weighed against) is also a smaller share of a call.
            // With 40 ms calls one CI run ended with nothing held or stopped for the CPU.
            String burn = "{\"burn_ms\": 100}";
            // One at a time first: the pool learns a start's time and what one instance serves. Long
            // enough that the test JVM's own start-up (JIT on the same cores) is past.
            platform.invokeTogether("burner", burn, 1, 15);

            // Two callers per core and two more. On saturated cores the instances serve the cores'
            // worth of callers, and those beyond what half an instance's worth per step from one
            // explains stop: 2 c - 1 on c cores (3 on 2). Timing noise in what one instance served
            // (other tests share the cores) may leave a few more: at most 6 of the 10 on 2 cores.
            int cores = Runtime.getRuntime().availableProcessors();
            platform.invokeTogether("burner", burn, 4 * cores + 2, 20);
            assertThat(platform.server.liveInstances("burner")).isLessThanOrEqualTo(2 * cores + 2);
            // Held back before starting, or stopped once measured: a burst may start some before any step is known.
            long held = platform.metric("aloft_scale_out_held_for_cpu_total{function=\"burner\"}");
            long stopped = platform.metric("aloft_instances_stopped_total{function=\"burner\",reason=\"cpu_saturated\"}");
            assertThat(held + stopped).as("callers held + instances stopped for the CPU, with %d started",
                    platform.metric("aloft_instances_started_total{function=\"burner\"}")).isPositive();
            JsonNode cpu = TestPlatform.parse(platform.get("/api/v1/functions/burner/scaling").body()).path("cpu");
            assertThat(cpu.path("nodeSaturated").asBoolean()).isTrue();
            assertThat(cpu.path("callersHeld").asLong()).isEqualTo(held);
            assertThat(cpu.has("quotaCores")).as("null without a cgroup CPU quota, else its cores").isTrue();

            // Sleeping takes no CPU: every caller's instance adds throughput, saturated cores or not.
            // Sleeps longer than a start, else waiting for a sleeper is rightly quicker than a start
            // (300 ms sleeps got 5 instances for 6 callers while two CPU hogs slowed the boots).
            String sleep = "{\"sleep_ms\": 600}";
            platform.invokeTogether("sleeper", sleep, 1, 5);
            Set<String> sleepers = platform.invokeTogether("sleeper", sleep, 6, 3);
            assertThat(sleepers).hasSize(6);
        }
    }

    @Test
    void aBurstToANewRevisionWalksBackDownInsteadOfStartingAnInstancePerCall() throws Exception {
        try (TestPlatform platform = TestPlatform.start(s -> s.with("cpu-saturated-idle-percent", "100")
                .with("queue-wait-ms", "60000"))) {
            deployBehave(platform, "quick");
            // Eight callers of a function that answers at once: on saturated cores the pool learns
            // that more than a few instances add nothing, and keeps a few.
            platform.invokeTogether("quick", "{}", 8, 150);
            // A redeploy (a new revision) under the same load: the burst starts the new revision's
            // instances while those counts still hold. Counting the ones still starting, the pool
            // stopped every instance at its first return while callers started the next: an
            // instance every few calls, for good (~1,000 starts a minute under wrk).
            var changed = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            changed.put("concurrency", 64);
            changed.put("memoryMb", 192);
            assertThat(platform.deploy("quick", changed).statusCode()).isEqualTo(200);
            Set<String> afterRedeploy = platform.invokeTogether("quick", "{}", 8, 150);
            assertThat(afterRedeploy).hasSizeLessThanOrEqualTo(16);
        }
    }
}
