package dev.aloft.server.instances;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * The scheduler's scale-out and scale-in decisions, logged and counted per function, and written
 * in the Prometheus text format. Counters only ever grow; live instances are read from the pools.
 */
public final class ScalingMetrics {

    private static final Logger LOG = Logger.getLogger(ScalingMetrics.class.getName());

    /** Why an instance stopped. */
    enum StopReason {
        IDLE, RETIRED, DIED,
        /** Idle, and stopped to make room in the node memory budget for another function's instance. */
        EVICTED,
        /** Its function was above its fair share of the budget while another waited for memory. */
        FAIR_SHARE
    }

    private final Map<String, LongAdder> started = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> stopped = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> throttled = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> deferred = new ConcurrentHashMap<>();

    void scaledOut(String function, String instanceId, int live) {
        count(started, function);
        LOG.info(() -> "scale out: " + function + " started instance " + instanceId + " (" + live + " live)");
    }

    void scaledIn(String function, String instanceId, StopReason reason) {
        count(stopped, function + "\u0000" + reason.name().toLowerCase(Locale.ROOT));
        LOG.info(() -> "scale in: " + function + " stopped instance " + instanceId + " (" + reason.name().toLowerCase(Locale.ROOT) + ")");
    }

    void evicted(String function, String instanceId, String forFunction) {
        count(stopped, function + "\u0000" + StopReason.EVICTED.name().toLowerCase(Locale.ROOT));
        LOG.info(() -> "scale in: " + function + " instance " + instanceId + " evicted (least recently used) to make room in "
                + "the node memory budget for " + forFunction);
    }

    void throttled(String function) {
        count(throttled, function);
    }

    /** A caller found every instance busy and waited for one instead of starting another (see {@link WaitOrStart}). */
    void deferredScaleOut(String function) {
        count(deferred, function);
    }

    private static void count(Map<String, LongAdder> counters, String key) {
        counters.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** The counters, the given live-instance gauges and the memory budget in the Prometheus text exposition format. */
    String prometheus(Map<String, Integer> liveByFunction, MemoryBudget budget) {
        StringBuilder out = new StringBuilder();
        out.append("# HELP aloft_instances_started_total Instances started (scale out and provisioning).\n")
                .append("# TYPE aloft_instances_started_total counter\n");
        new TreeMap<>(started).forEach((function, n) -> out.append("aloft_instances_started_total{function=\"")
                .append(function).append("\"} ").append(n.sum()).append('\n'));
        out.append("# HELP aloft_instances_stopped_total Instances stopped, by reason (idle = scale in).\n")
                .append("# TYPE aloft_instances_stopped_total counter\n");
        new TreeMap<>(stopped).forEach((key, n) -> {
            String[] parts = key.split("\u0000");
            out.append("aloft_instances_stopped_total{function=\"").append(parts[0]).append("\",reason=\"").append(parts[1])
                    .append("\"} ").append(n.sum()).append('\n');
        });
        out.append("# HELP aloft_invocations_throttled_total Invocations refused with 429 at the concurrency limit.\n")
                .append("# TYPE aloft_invocations_throttled_total counter\n");
        new TreeMap<>(throttled).forEach((function, n) -> out.append("aloft_invocations_throttled_total{function=\"")
                .append(function).append("\"} ").append(n.sum()).append('\n'));
        out.append("# HELP aloft_scale_out_deferred_total Invocations that found every instance busy and waited for one "
                        + "expected to free up sooner than a new one would start.\n")
                .append("# TYPE aloft_scale_out_deferred_total counter\n");
        new TreeMap<>(deferred).forEach((function, n) -> out.append("aloft_scale_out_deferred_total{function=\"")
                .append(function).append("\"} ").append(n.sum()).append('\n'));
        out.append("# HELP aloft_instances_live Instances starting, busy or idle.\n")
                .append("# TYPE aloft_instances_live gauge\n");
        new TreeMap<>(liveByFunction).forEach((function, n) -> out.append("aloft_instances_live{function=\"")
                .append(function).append("\"} ").append(n).append('\n'));
        out.append("# HELP aloft_memory_budget_mb The node memory budget (memory-budget-mb).\n")
                .append("# TYPE aloft_memory_budget_mb gauge\n")
                .append("aloft_memory_budget_mb ").append(budget.totalMb()).append('\n')
                .append("# HELP aloft_memory_used_mb Memory held from the budget by live instances.\n")
                .append("# TYPE aloft_memory_used_mb gauge\n")
                .append("aloft_memory_used_mb ").append(budget.usedMb()).append('\n');
        return out.toString();
    }
}
