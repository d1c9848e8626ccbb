package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The instances of one function. Warm instances are reused most-recently-idle first (they are the
 * warmest, and the coldest ones age out); a new one starts only when all are busy and the
 * function is under its concurrency limit; beyond it callers wait, boundedly.
 */
final class FunctionPool {

    /** An instance handed to one caller, and whether the caller had to start it. */
    record Lease(Instance instance, boolean cold) {}

    private final String functionName;
    private final String poolKey;
    private final InstanceFactory factory;
    private final KeepAlivePolicy keepAlive;
    /**
     * A burst must not start one instance per waiting request: at most this many start at once, and
     * the other callers take whichever instance frees up first, so only as many start as needed.
     */
    private final int maxParallelStarts;
    private final ScalingMetrics metrics;

    /** Guards every field below. */
    private final ReentrantLock poolLock = new ReentrantLock();
    private final Condition capacityFreed = poolLock.newCondition();
    private final Deque<Instance> idle = new ArrayDeque<>();
    /** Instances counted against the limit: starting, busy or idle. */
    private int live;
    /** Instances started for a caller and not yet through their first invocation. */
    private int starting;
    /** Bumped when the function is redeployed or deleted; instances of older generations retire. */
    private long generation;
    private Optional<InitFailure> lastInitFailure = Optional.empty();
    /** The configuration kept provisioned (its minInstances warm), if any. */
    private Optional<FunctionConfig> provisioned = Optional.empty();
    /** When the last invocation ended; the gap to the next one is the idle time the keep-alive learns. */
    private Optional<Instant> lastFinished = Optional.empty();

    /** An init failure, remembered so a broken function fails fast instead of restarting in a loop. */
    record InitFailure(InvocationOutcome outcome, long revision, Instant at) {}

    FunctionPool(String functionName, String poolKey, InstanceFactory factory, KeepAlivePolicy keepAlive,
                 int maxParallelStarts, ScalingMetrics metrics) {
        this.metrics = metrics;
        this.maxParallelStarts = maxParallelStarts;
        this.functionName = functionName;
        this.poolKey = poolKey;
        this.factory = factory;
        this.keepAlive = keepAlive;
    }

    /**
     * A warm instance, or a new one, or — when the function is at its limit — the first one freed
     * within {@code wait}.
     *
     * @throws ThrottledException when none frees up in time
     */
    Lease acquire(FunctionConfig function, Duration wait, Instant now) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        long startGeneration;
        poolLock.lock();
        try {
            if (live == idle.size() && lastFinished.isPresent()) {
                keepAlive.recordIdle(poolKey, Duration.between(lastFinished.get(), now));
            }
            while (true) {
                Instance warm;
                while ((warm = idle.pollFirst()) != null) {
                    if (warm.alive() && warm.function().revision() == function.revision()) {
                        return new Lease(warm, false);
                    }
                    live--;
                    metrics.scaledIn(functionName, warm.id(), ScalingMetrics.StopReason.DIED);
                    warm.kill();
                }
                if (live < function.concurrency() && starting < maxParallelStarts) {
                    live++;
                    starting++;
                    startGeneration = generation;
                    break;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    metrics.throttled(functionName);
                    throw new ThrottledException(live < function.concurrency()
                            ? "function '" + functionName + "' had no free instance within " + wait.toMillis() + " ms while "
                                    + starting + " were starting; retry later or raise queue-wait-ms"
                            : "function '" + functionName + "' is at its concurrency limit of " + function.concurrency()
                                    + " and no instance freed up within " + wait.toMillis()
                                    + " ms; retry later or raise --concurrency");
                }
                capacityFreed.awaitNanos(remaining);
            }
        } finally {
            poolLock.unlock();
        }
        try {
            Instance started = factory.start(function, startGeneration);
            metrics.scaledOut(functionName, started.id(), liveInstances());
            return new Lease(started, true);
        } catch (RuntimeException e) {
            poolLock.lock();
            try {
                starting--;
            } finally {
                poolLock.unlock();
            }
            releaseSlot();
            throw e;
        }
    }

    /**
     * Takes an instance back after an invocation: idle again if healthy and current, else gone.
     * {@code startedForCaller}: this was the first invocation of an instance started for it.
     */
    void release(Instance instance, boolean startedForCaller, Instant now) {
        boolean keep;
        boolean retired;
        poolLock.lock();
        try {
            retired = instance.generation() != generation;
            if (startedForCaller) {
                starting--;
            }
            lastFinished = Optional.of(now);
            keep = instance.alive() && instance.generation() == generation;
            if (keep) {
                instance.markIdle(now);
                idle.addFirst(instance);
            } else {
                live--;
            }
            // A finished start lets every waiter re-check: one takes this instance, others may start more
            // while a backlog remains, so a burst scales out in waves of maxParallelStarts.
            if (startedForCaller) {
                capacityFreed.signalAll();
            } else {
                capacityFreed.signal();
            }
        } finally {
            poolLock.unlock();
        }
        if (!keep) {
            metrics.scaledIn(functionName, instance.id(), retired ? ScalingMetrics.StopReason.RETIRED : ScalingMetrics.StopReason.DIED);
            instance.kill();
        }
    }

    private void releaseSlot() {
        poolLock.lock();
        try {
            live--;
            capacityFreed.signal();
        } finally {
            poolLock.unlock();
        }
    }

    /**
     * Keeps {@code function.minInstances()} instances of this configuration started (provisioned):
     * they wait idle for invocations and the keep-alive never stops them.
     */
    void provision(FunctionConfig function, Instant now) {
        long startGeneration;
        int missing;
        poolLock.lock();
        try {
            provisioned = function.minInstances() > 0 ? Optional.of(function) : Optional.empty();
            missing = function.minInstances() - live;
            live += Math.max(0, missing);
            startGeneration = generation;
        } finally {
            poolLock.unlock();
        }
        for (int i = 0; i < missing; i++) {
            Instance started;
            try {
                started = factory.start(function, startGeneration);
                metrics.scaledOut(functionName, started.id(), liveInstances());
            } catch (RuntimeException e) {
                releaseSlot();
                throw e;
            }
            release(started, false, now);
        }
    }

    /** The configuration to keep provisioned, if this pool has one. */
    Optional<FunctionConfig> provisioned() {
        poolLock.lock();
        try {
            return provisioned;
        } finally {
            poolLock.unlock();
        }
    }

    /** Stops instances idle for longer than the function's keep-alive, keeping the provisioned minimum. */
    int reap(Instant now) {
        Duration keepAliveFor = keepAlive.keepAliveFor(poolKey);
        List<Instance> expired = new ArrayList<>();
        poolLock.lock();
        try {
            int minimum = provisioned.map(FunctionConfig::minInstances).orElse(0);
            for (Iterator<Instance> it = idle.descendingIterator(); it.hasNext(); ) {
                Instance instance = it.next();
                boolean expiredIdle = instance.idleSince().plus(keepAliveFor).isBefore(now) && live > minimum;
                if (!instance.alive() || expiredIdle) {
                    it.remove();
                    live--;
                    expired.add(instance);
                }
            }
        } finally {
            poolLock.unlock();
        }
        expired.forEach(instance -> {
            metrics.scaledIn(functionName, instance.id(),
                    instance.alive() ? ScalingMetrics.StopReason.IDLE : ScalingMetrics.StopReason.DIED);
            instance.kill();
        });
        return expired.size();
    }

    /** The function changed or went away: idle instances stop now, busy ones when they finish. */
    void retire() {
        List<Instance> retired;
        poolLock.lock();
        try {
            generation++;
            lastInitFailure = Optional.empty();
            provisioned = Optional.empty();
            retired = new ArrayList<>(idle);
            live -= idle.size();
            idle.clear();
            capacityFreed.signalAll();
        } finally {
            poolLock.unlock();
        }
        retired.forEach(instance -> {
            metrics.scaledIn(functionName, instance.id(), ScalingMetrics.StopReason.RETIRED);
            instance.kill();
        });
    }

    void rememberInitFailure(InvocationOutcome outcome, long revision, Instant at) {
        poolLock.lock();
        try {
            lastInitFailure = Optional.of(new InitFailure(outcome, revision, at));
        } finally {
            poolLock.unlock();
        }
    }

    /** The init failure of this revision if it happened within {@code window} of {@code now}. */
    Optional<InitFailure> recentInitFailure(long revision, Instant now, Duration window) {
        poolLock.lock();
        try {
            return lastInitFailure.filter(f -> f.revision() == revision && f.at().plus(window).isAfter(now));
        } finally {
            poolLock.unlock();
        }
    }

    int liveInstances() {
        poolLock.lock();
        try {
            return live;
        } finally {
            poolLock.unlock();
        }
    }
}
