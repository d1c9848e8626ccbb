package dev.aloft.server.instances;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
        /** Killed because its invocation ran past the function's timeout. */
        TIMED_OUT,
        /** Killed by the kernel for going over the function's memory. */
        OUT_OF_MEMORY,
        /** Idle, and stopped to make room in the node memory budget for another function's instance. */
        EVICTED,
        /** Its function was above its fair share of the budget while another waited for memory. */
        FAIR_SHARE,
        /** Its function went idle and, from its idle times, is not called again before a pre-warm would be due. */
        PREDICTED_GAP,
        /** The node's CPUs were saturated and its function's instances beyond this one added next to no throughput. */
        CPU_SATURATED,
        /** Idle, and stopped so that a call to another version of its function fits under the function's concurrency limit. */
        OTHER_VERSION
    }

    private final Map<String, LongAdder> started = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> stopped = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> deferred = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> heldForCpu = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> startedAhead = new ConcurrentHashMap<>();

    void scaledOut(String function, String instanceId, int live) {
        count(started, function);
        LOG.info(() -> "scale out: " + function + " started instance " + instanceId + " (" + live + " live)");
    }

    /** An instance started with no caller, because the function's idle times say its next invocation is near. */
    void startedAhead(String function, String instanceId) {
        count(started, function);
        count(startedAhead, function);
        LOG.info(() -> "scale out: " + function + " started instance " + instanceId
                + " ahead of its next invocation (expected from its idle times)");
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

    /**
     * A caller found every instance busy and waited for one instead of starting another (see
     * {@link WaitOrStart}); {@code forCpu}: because the cores are saturated and another would add too little.
     */
    void deferredScaleOut(String function, boolean forCpu) {
        count(deferred, function);
        if (forCpu) {
            count(heldForCpu, function);
        }
    }

    /** Callers of {@code function} that waited for a busy instance because the cores were saturated. */
    long heldForCpu(String function) {
        LongAdder held = heldForCpu.get(function);
        return held == null ? 0 : held.sum();
    }

    /** The function was deleted: its counters go, so one created again under its name counts from zero. */
    void forget(String function) {
        for (Map<String, LongAdder> counters : List.of(started, deferred, heldForCpu, startedAhead)) {
            counters.remove(function);
        }
        stopped.keySet().removeIf(key -> key.startsWith(function + "\u0000"));
    }

    private static void count(Map<String, LongAdder> counters, String key) {
        counters.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /**
     * The counters, the given live-instance and queue gauges and the memory budget in the Prometheus
     * text exposition format. Only functions with pools ({@code liveByFunction}'s) are written: an
     * instance of a deleted one that was still busy at the delete counts its stop after {@link #forget}.
     */
    String prometheus(Map<String, Integer> liveByFunction, Map<String, Integer> queuedByFunction, MemoryBudget budget) {
        StringBuilder out = new StringBuilder();
        Set<String> functions = liveByFunction.keySet();
        perFunction(out, "aloft_instances_started_total", "counter", "Instances started (scale out and provisioning).",
                sums(started, functions));
        out.append("# HELP aloft_instances_stopped_total Instances stopped, by reason (idle = scale in).\n")
                .append("# TYPE aloft_instances_stopped_total counter\n");
        new TreeMap<>(stopped).forEach((key, n) -> {
            String[] parts = key.split("\u0000");
            if (!functions.contains(parts[0])) {
                return;
            }
            out.append("aloft_instances_stopped_total{function=\"").append(parts[0]).append("\",reason=\"").append(parts[1])
                    .append("\"} ").append(n.sum()).append('\n');
        });
        perFunction(out, "aloft_instances_started_ahead_total", "counter", "Instances started ahead of an invocation "
                + "expected from the function's idle times (pre-warming after a predicted gap).", sums(startedAhead, functions));
        perFunction(out, "aloft_scale_out_deferred_total", "counter", "Invocations that found every instance busy and "
                + "waited for one expected to free up sooner than a new one would start.", sums(deferred, functions));
        perFunction(out, "aloft_scale_out_held_for_cpu_total", "counter", "Of those, invocations that waited because the "
                + "node's CPUs were saturated and another instance of the function would have added too little.",
                sums(heldForCpu, functions));
        perFunction(out, "aloft_instances_live", "gauge", "Instances starting, busy or idle.", liveByFunction);
        perFunction(out, "aloft_invocations_queued", "gauge", "Invocations waiting for an instance.", queuedByFunction);
        out.append("# HELP aloft_memory_budget_mb The node memory budget (memory-budget-mb).\n")
                .append("# TYPE aloft_memory_budget_mb gauge\n")
                .append("aloft_memory_budget_mb ").append(budget.totalMb()).append('\n')
                .append("# HELP aloft_memory_used_mb Memory held from the budget by live instances and by prewarmed processes "
                        + "(kept or starting).\n")
                .append("# TYPE aloft_memory_used_mb gauge\n")
                .append("aloft_memory_used_mb ").append(budget.usedMb()).append('\n');
        return out.toString();
    }

    private static Map<String, Long> sums(Map<String, LongAdder> counters, Set<String> functions) {
        Map<String, Long> sums = new TreeMap<>();
        counters.forEach((function, n) -> {
            if (functions.contains(function)) {
                sums.put(function, n.sum());
            }
        });
        return sums;
    }

    /** One metric with a {@code function} label, in function name order. */
    private static void perFunction(StringBuilder out, String name, String type, String help, Map<String, ? extends Number> values) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n');
        new TreeMap<>(values).forEach((function, n) -> out.append(name).append("{function=\"").append(function)
                .append("\"} ").append(n).append('\n'));
    }
}
