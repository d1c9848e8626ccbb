package dev.aloft.server.invocations;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the invocation path per function, in the Prometheus text format. Throttles are
 * counted here, by the callers that decide what one means — a synchronous call is answered 429, an
 * asynchronous event tries again — not by the scheduler, which cannot tell a caller's first try
 * from Aloft's own retries.
 */
public final class InvocationMetrics {

    private final Map<String, LongAdder> throttled = new ConcurrentHashMap<>();

    void throttled(String function) {
        throttled.computeIfAbsent(function, f -> new LongAdder()).increment();
    }

    /** The function was deleted: its counters go, so one created again under its name counts from zero. */
    public void forget(String function) {
        throttled.remove(function);
    }

    public String prometheus() {
        StringBuilder out = new StringBuilder()
                .append("# HELP aloft_invocations_throttled_total Invocations throttled at the concurrency limit or the node ")
                .append("memory budget: synchronous calls answered 429, and asynchronous events once per attempt that found ")
                .append("no instance (throttled, or their function's waiting places taken), however often it was tried again ")
                .append("(they stay queued).\n")
                .append("# TYPE aloft_invocations_throttled_total counter\n");
        new TreeMap<>(throttled).forEach((function, n) -> out.append("aloft_invocations_throttled_total{function=\"")
                .append(function).append("\"} ").append(n.sum()).append('\n'));
        return out.toString();
    }
}
