package dev.aloft.server.instances;

import java.util.HashMap;
import java.util.Map;

/**
 * Decides, for a caller that finds every instance of a function busy, whether to wait for one of
 * them or to start a new one: it waits only when a busy instance is expected to free up sooner
 * than a new one would be ready. A function answering in a few ms does not need an instance per
 * concurrent caller when a start costs tens of ms: more processes only hold memory and crowd the
 * cores (ScalingTest: 8 callers of a ~4 ms function share 1 instance; each started its own
 * before). A function that takes longer than a start scales out at once, as before.
 *
 * <p>Both costs are learned per pool as moving averages: an invocation's time on a warm instance
 * (lease to release) and a start's time (start to ready). Until both are known every busy moment
 * starts an instance. An instance busy for more than twice the usual time and half a start is not
 * counted on (it is running a slow invocation), and a caller waits at most one start's time in
 * all, so a wrong guess costs at most one start. Not thread-safe: its pool calls it under the node lock.
 */
final class WaitOrStart {

    /** Weight of the newest sample in the moving averages. */
    private static final double WEIGHT = 0.2;
    /** Slack on "usual": timer and scheduling noise at sub-millisecond invocation times. */
    private static final long SLACK_NANOS = 1_000_000;

    private double invocationNanos = -1;
    private double startNanos = -1;
    private final Map<Instance, Long> busySince = new HashMap<>();

    /** An instance began an invocation: a warm one handed to a caller, or a new one once ready. */
    void leased(Instance instance, long now) {
        busySince.put(instance, now);
    }

    /** An instance came back: its invocation's time is a sample. */
    void released(Instance instance, long now) {
        Long since = busySince.remove(instance);
        if (since != null) {
            invocationNanos = average(invocationNanos, now - since);
        }
    }

    /** A start (scale out) took {@code nanos} from its decision until the runtime asked for an event. */
    void started(long nanos) {
        startNanos = average(startNanos, nanos);
    }

    private static double average(double current, long sample) {
        return current < 0 ? sample : current + WEIGHT * (sample - current);
    }

    /**
     * How long a caller should wait for a busy instance before it looks again, or 0 to start a new
     * instance now.
     *
     * @param waitersAhead callers already waiting for an instance of this function
     * @param waitedNanos  how long this caller has waited so far
     */
    long waitNanos(int waitersAhead, long waitedNanos, long now) {
        if (invocationNanos < 0 || startNanos < 0 || waitedNanos >= startNanos) {
            return 0;
        }
        // Load stretches invocations faster than the average follows, so "usual" is at least half a start.
        double usual = Math.max(2 * invocationNanos + SLACK_NANOS, startNanos / 2);
        long freeingSoon = busySince.values().stream().filter(since -> now - since < usual).count();
        if (freeingSoon == 0) {
            return 0;
        }
        double expectedWait = invocationNanos * (waitersAhead + 1) / freeingSoon;
        if (expectedWait >= startNanos) {
            return 0;
        }
        // Look again soon after the expected time: an instance that overruns it no longer counts.
        return (long) Math.min(startNanos - waitedNanos, 2 * expectedWait + SLACK_NANOS);
    }
}
