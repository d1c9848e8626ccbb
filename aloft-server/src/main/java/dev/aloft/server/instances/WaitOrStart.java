package dev.aloft.server.instances;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Decides, for a caller that finds every instance of a function busy, whether to wait for one of
 * them or to start a new one: it waits only when a busy instance is expected to free up sooner
 * than a new one would be ready. A function answering in a few ms does not need an instance per
 * concurrent caller when a start costs tens of ms: more processes only hold memory and crowd the
 * cores (ScalingTest: 8 callers of a ~4 ms function share a few instances; each started its own
 * before). A function that takes longer than a start scales out at once, as before.
 *
 * <p>Both costs are learned per pool as moving averages: an invocation's time on a warm instance
 * (lease to release) and a start's time (start to ready), kept apart for starts that bind a
 * prewarmed process (~20 ms) and starts that boot one (hundreds of ms in a burst); a start is
 * weighed as the one it would be now ({@link NextStart}). An instance busy for more than twice the
 * usual time and half a start is not counted on (it is running a slow invocation), and a caller
 * waits at most one start's time in all, so a wrong guess costs at most one start. When calls are
 * short next to a start, instances starting count as freeing up too: each will be through its
 * first call about when a start of the caller's own would be ready.
 *
 * <p>Until a first call has come back nothing tells how long a call takes. A caller then waits for
 * the pool's first start while it is under way, and for the first call while it has run for less
 * than a start took; only the time since the first call came back counts against its one start.
 * Starting at every busy moment instead, a burst of 200 callers of a hello function on 2 cores
 * started 4–6 instances whose boots crowded the cores, and most of their calls then moved to the
 * first instance. The price: the first burst of a slow function scales out up to two starts later.
 *
 * <p>While the node's CPUs are saturated a start is also weighed by what it adds. The pool learns
 * an instance's cycle per number of instances busy together: from when it was handed to a caller
 * to when it came back, or, when a waiting caller took it straight away, from its previous return
 * (the hand-over is part of what an instance can do per second). A cycle during which one of
 * the pool's own instances was starting is not a sample: the runtime's boot takes the cores from
 * the busy instances, and a burst's first cycles at one instance came out at up to 4 times the
 * quiet ones (CpuSaturatedScalingTest), making every step after look worth it. n instances then serve
 * n / cycle(n) callers per second. A step is worth it while each instance added since the
 * smallest count measured brought at least half an instance's worth. When the step to one
 * more (if measured, else the last measured step, taken as no better) is not, callers wait for a
 * busy instance instead, and an instance beyond that point stops when it comes back (see
 * {@link #beyondUsefulCount}); nor does a caller start one that would take the pool back to a
 * count the last rule stops at.
 * <ul>
 *   <li>A function that waits on I/O keeps its cycle as it scales, gains a full instance's worth
 *       with each one, and scales out as before.</li>
 *   <li>One that needs the CPU stretches its cycle on saturated cores; more of its processes only
 *       lengthen everyone's queue for the cores.</li>
 *   <li>A pool is never held below the core count: that many run at once whatever else does. On
 *       the warm benchmark (hello world, 8 connections, 2 cores) 1 instance served ~20% fewer
 *       requests than 2 or 8: each caller's wait for a busy instance costs a wake-up. Nor does
 *       waiting keep it there: while fewer than the cores are busy or starting, a caller that
 *       finds another already waiting starts one.</li>
 *   <li>A burst may start more before any step is measured; the extra ones stop one at a time as
 *       their steps are.</li>
 * </ul>
 * Not thread-safe: its pool calls it under the node lock.
 *
 * @param <I> what stands for an instance (its key while busy)
 */
final class WaitOrStart<I> {

    /** Weight of the newest sample in the moving averages. */
    private static final double WEIGHT = 0.2;
    /** Slack on "usual": timer and scheduling noise at sub-millisecond invocation times. */
    private static final long SLACK_NANOS = 1_000_000;
    /** How often a caller waiting for the pool's first start looks again, should its end not wake it. */
    private static final long FIRST_START_LOOK_AGAIN_NANOS = 100_000_000;
    /** Busy counts whose cycle is learned; beyond it the CPU rule does not apply. */
    static final int TRACKED_BUSY = 64;
    /** Samples at a busy count before its cycle is trusted. */
    static final int TRUSTED_SAMPLES = 8;
    /** A busy count's cycle not refreshed for this long is forgotten: its load is gone. */
    static final long FORGET_AFTER_NANOS = 30_000_000_000L;
    /** An extra instance is worth its start when it adds at least this share of one instance's throughput. */
    static final double USEFUL_SHARE = 0.5;

    private double invocationNanos = -1;
    /** Starts that bound a prewarmed process, and starts that booted one: 20 ms against 100s of ms. */
    private double bindNanos = -1;
    private double bootNanos = -1;
    /** When the first call came back (System.nanoTime): waits before it are for capacity under way. */
    private long invocationKnownSince;
    private final Map<I, Busy> busy = new HashMap<>();
    /** Instances that came back while a caller waited, and when: the waiting caller takes them next. */
    private final Map<I, Long> handedOver = new HashMap<>();
    /** Index: instances busy together; filled as counts are seen. */
    private final Cycle[] byBusyCount = new Cycle[TRACKED_BUSY + 1];
    private final BooleanSupplier cpuSaturated;
    /** Since when no start of the pool has been under way (System.nanoTime), MAX_VALUE while one is. */
    private final LongSupplier startsQuietSince;
    /** The cores: that many instances can run at once, so the CPU rule never holds a pool below it. */
    private final int cores;

    /**
     * An instance's invocation under way: when it began, when its cycle began (its previous return,
     * when a waiting caller took it), and how many were busy together when it began.
     */
    private record Busy(long since, long cycleSince, int together) {}

    /** The cycle learned for one number of instances busy together. */
    private static final class Cycle {
        double nanos;
        /** Up to {@link #TRUSTED_SAMPLES}: only whether there are enough matters. */
        int samples;
        long updated;
    }

    WaitOrStart(BooleanSupplier cpuSaturated, LongSupplier startsQuietSince, int cores) {
        this.cpuSaturated = cpuSaturated;
        this.startsQuietSince = startsQuietSince;
        this.cores = cores;
    }

    /**
     * An instance began an invocation: a warm one handed to a caller, or a new one once ready.
     * {@code afterWaiting}: the caller had waited for an instance.
     */
    void leased(I instance, long now, boolean afterWaiting) {
        Long returned = handedOver.remove(instance);
        long cycleSince = afterWaiting && returned != null ? returned : now;
        busy.put(instance, new Busy(now, cycleSince, busy.size() + 1));
    }

    /**
     * An instance came back: its invocation's time and its cycle are samples. {@code callerWaiting}:
     * a caller is waiting for an instance and takes this one.
     */
    void released(I instance, long now, boolean callerWaiting) {
        Busy invocation = busy.remove(instance);
        if (invocation == null) {
            return;
        }
        if (invocationNanos < 0) {
            invocationKnownSince = now;
        }
        invocationNanos = average(invocationNanos, now - invocation.since());
        if (callerWaiting) {
            // An entry stays behind when the waiter took another instance and this one was later
            // stopped unused; dropping them all now and then only costs a few cycles their hand-over.
            if (handedOver.size() > TRACKED_BUSY) {
                handedOver.clear();
            }
            handedOver.put(instance, now);
        }
        if (invocation.together() <= TRACKED_BUSY && startsQuietSince.getAsLong() <= invocation.cycleSince()) {
            Cycle at = byBusyCount[invocation.together()];
            if (at == null) {
                at = new Cycle();
                byBusyCount[invocation.together()] = at;
            } else if (now - at.updated > FORGET_AFTER_NANOS) {
                at.samples = 0;
            }
            long cycle = now - invocation.cycleSince();
            at.nanos = at.samples == 0 ? cycle : at.nanos + WEIGHT * (cycle - at.nanos);
            at.samples = Math.min(at.samples + 1, TRUSTED_SAMPLES);
            at.updated = now;
        }
    }

    /**
     * A start (scale out) took {@code nanos} from its decision until the runtime asked for an event;
     * {@code bound}: it bound a prewarmed process rather than booting one.
     */
    void started(long nanos, boolean bound) {
        if (bound) {
            bindNanos = average(bindNanos, nanos);
        } else {
            bootNanos = average(bootNanos, nanos);
        }
    }

    /**
     * What a start would cost now: {@code bind} whether the prewarm pool has a process waiting for
     * this function's runtime and size; {@code nodeBootNanos} how long that runtime's prewarmed
     * processes took to boot on this node (-1: unknown), for a pool that has not booted one itself.
     */
    record NextStart(boolean bind, long nodeBootNanos) {}

    /**
     * The expected time of {@code next}, or -1 while nothing tells. A bind not measured yet is taken
     * as a boot: the longer guess only makes a caller wait, within its one start, for a busy instance.
     */
    private double startNanos(NextStart next) {
        if (next.bind() && bindNanos >= 0) {
            return bindNanos;
        }
        if (bootNanos >= 0) {
            return bootNanos;
        }
        // A boot of the pool's own: the node's boot of the runtime, then the handler's load (a bind's cost).
        return next.nodeBootNanos() >= 0 ? next.nodeBootNanos() + Math.max(0, bindNanos) : bindNanos;
    }

    private static double average(double current, long sample) {
        return current < 0 ? sample : current + WEIGHT * (sample - current);
    }

    /**
     * How long a caller should wait for a busy instance before it looks again, or 0 to start a new
     * instance now.
     *
     * @param waitersAhead callers already waiting for an instance of this function
     * @param starting     instances starting for callers, soon busy too
     * @param waitedNanos  how long this caller has waited so far
     * @param next         what a start would be now
     */
    long waitNanos(int waitersAhead, int starting, long waitedNanos, long now, NextStart next) {
        double startNanos = startNanos(next);
        if (invocationNanos < 0) {
            return firstCallWaitNanos(starting, now, startNanos);
        }
        long waited = Math.min(waitedNanos, now - invocationKnownSince);
        if (startNanos < 0 || waited >= startNanos) {
            return 0;
        }
        // A queue that stands (a caller waits ahead of this one) starts one while fewer than the
        // cores are busy: they could run it at once, and one instance working off a queue served
        // 24% fewer requests/s than 2 on the warm benchmark (a wake-up per hand-over).
        if (waitersAhead > 0 && busy.size() + starting < cores) {
            return 0;
        }
        // Load stretches invocations faster than the average follows, so "usual" is at least half a start.
        double usual = Math.max(2 * invocationNanos + SLACK_NANOS, startNanos / 2);
        // An instance starting for another caller is free once started and through that caller's
        // call: about when a start of this caller's own would be ready, if calls are short.
        long startingSoon = 2 * invocationNanos < startNanos ? starting : 0;
        long freeingSoon = busy.values().stream().filter(b -> now - b.since() < usual).count() + startingSoon;
        if (freeingSoon == 0) {
            return 0;
        }
        double expectedWait = invocationNanos * (waitersAhead + 1) / freeingSoon;
        if (expectedWait >= startNanos) {
            return 0;
        }
        // Look again soon after the expected time: an instance that overruns it no longer counts.
        return (long) Math.min(startNanos - waited, 2 * expectedWait + SLACK_NANOS);
    }

    /** {@link #waitNanos} before any call came back: see the class comment. */
    private long firstCallWaitNanos(int starting, long now, double startNanos) {
        long oldestCallNanos = busy.values().stream().mapToLong(b -> now - b.since()).max().orElse(-1);
        if (oldestCallNanos < 0 || startNanos < 0) {
            // The first start is what all wait for; its end wakes them, this only bounds a missed wake-up.
            return starting > 0 ? FIRST_START_LOOK_AGAIN_NANOS : 0;
        }
        return oldestCallNanos < startNanos ? (long) startNanos - oldestCallNanos + SLACK_NANOS : 0;
    }

    /**
     * For a caller that {@link #waitNanos} would let start an instance: how long to wait for a busy
     * one instead because the cores are saturated and one more would add too little, or 0 to start.
     *
     * @param starting instances starting for callers, soon busy too
     * @param live     the pool's instances, busy, idle or starting
     */
    long cpuHoldNanos(int waitersAhead, int starting, int live, long now) {
        int together = busy.size() + starting;
        if (busy.isEmpty() || together < cores || !cpuSaturated.getAsBoolean()) {
            return 0;
        }
        // The step to one more, when it was measured; else the last measured step, taken as no better.
        Boolean pays = lastMeasuredStepPays(together + 1, together, now);
        // Nor a start that the pool would stop again when an instance comes back: with the busy
        // counts between unmeasured, starts and stops at one count took turns, and each start kept
        // those counts from being measured (under load with a redeploy every 2 s: ~1,000 starts a
        // minute for 8 connections).
        if ((pays == null || pays) && !beyondUsefulCount(live + 1, now)) {
            return 0;
        }
        // Look again about when this caller's turn should come (a release wakes it sooner).
        return (long) (2 * invocationNanos * (waitersAhead + 1) / busy.size()) + SLACK_NANOS;
    }

    /**
     * Whether {@code live} instances are more than the saturated cores make useful: the last
     * measured step up to {@code live} did not pay. The instance coming back then stops; the pool
     * asks with the instances that are up, a start is weighed with what it would make.
     * A count never measured (more instances than callers kept busy together: a burst of 10
     * callers started 11) is taken as no better than the largest measured below it.
     */
    boolean beyondUsefulCount(int live, long now) {
        return live > Math.max(1, cores) && cpuSaturated.getAsBoolean()
                && Boolean.FALSE.equals(lastMeasuredStepPays(live, 2, now));
    }

    /**
     * {@link #stepPays} for the largest count from {@code n} down to {@code lowest} that has a
     * verdict: a count not measured is taken as no better than the one below it. Null when none has.
     */
    private Boolean lastMeasuredStepPays(int n, int lowest, long now) {
        for (int count = Math.min(n, TRACKED_BUSY); count >= Math.max(2, lowest); count--) {
            Boolean pays = stepPays(count, now);
            if (pays != null) {
                return pays;
            }
        }
        return null;
    }

    /**
     * Whether {@code n} busy instances serve more callers per second than the smallest count
     * measured, {@code m}, by at least {@link #USEFUL_SHARE} of an instance's worth per step from
     * {@code m} to {@code n}; null when either is unknown. The smallest count is the steadiest
     * reference: between neighbouring counts the difference is one instance's worth at most, and
     * measurement noise alone would decide.
     */
    private Boolean stepPays(int n, long now) {
        if (!trusted(n, now)) {
            return null;
        }
        int m = 1;
        while (m < n && !trusted(m, now)) {
            m++;
        }
        if (m == n) {
            return null;
        }
        double before = m / byBusyCount[m].nanos;
        double after = n / byBusyCount[n].nanos;
        return after - before >= USEFUL_SHARE * (n - m) * before / m;
    }

    private boolean trusted(int n, long now) {
        if (n < 1 || n > TRACKED_BUSY) {
            return false;
        }
        Cycle at = byBusyCount[n];
        return at != null && at.samples >= TRUSTED_SAMPLES && now - at.updated <= FORGET_AFTER_NANOS;
    }
}
