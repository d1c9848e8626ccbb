package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The instances of one function. Warm instances are reused most-recently-idle first (they are the
 * warmest, and the coldest ones age out); a new one starts only when all are busy, the function
 * is under its concurrency limit and the node's {@link NodeCapacity} grants its memory; beyond
 * that callers wait, boundedly. Every live instance holds its memory from the node budget until
 * it is stopped.
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
    private final NodeCapacity capacity;

    /** The node lock (shared by all pools, see {@link NodeCapacity}); guards every field below. */
    private final ReentrantLock poolLock;
    private final Condition capacityFreed;
    private final Deque<Instance> idle = new ArrayDeque<>();
    /** Instances counted against the limit: starting, busy or idle. */
    private int live;
    /** Instances started for a caller and not yet initialised (or not yet through a failed first invocation). */
    private int starting;
    /** The instances counted in {@link #starting} once they exist. */
    private final Set<Instance> holdingStartSlot = new HashSet<>();
    /** Bumped when the function is redeployed or deleted; instances of older generations retire. */
    private long generation;
    private Optional<InitFailure> lastInitFailure = Optional.empty();
    /** The configuration kept provisioned (its minInstances warm), if any. */
    private Optional<FunctionConfig> provisioned = Optional.empty();
    private final IdleRhythm rhythm;
    private final WaitOrStart<Instance> waitOrStart;
    /** Callers waiting for an instance. */
    private int waiting;
    /** The server is stopping: callers get no instance. */
    private boolean closed;

    /** An init failure, remembered so a broken function fails fast instead of restarting in a loop. */
    record InitFailure(InvocationOutcome outcome, long revision, Instant at) {}

    FunctionPool(String functionName, String poolKey, InstanceFactory factory, KeepAlivePolicy keepAlive,
                 int maxParallelStarts, ScalingMetrics metrics, NodeCapacity capacity, CpuSaturation cpu) {
        this.metrics = metrics;
        this.waitOrStart = new WaitOrStart<>(cpu::saturated, Runtime.getRuntime().availableProcessors());
        this.capacity = capacity;
        this.poolLock = capacity.nodeLock();
        this.capacityFreed = poolLock.newCondition();
        this.maxParallelStarts = maxParallelStarts;
        this.functionName = functionName;
        this.poolKey = poolKey;
        this.factory = factory;
        this.keepAlive = keepAlive;
        this.rhythm = new IdleRhythm(poolKey, keepAlive);
    }

    /**
     * A warm instance, or a new one, or — when the function is at its limit — the first one freed
     * within {@code wait}; empty once the pool is closed (the server is stopping).
     *
     * @throws ThrottledException when none frees up in time
     */
    Optional<Lease> acquire(FunctionConfig function, Duration wait, Instant now) throws InterruptedException {
        long arrived = System.nanoTime();
        long deadline = arrived + wait.toNanos();
        long startGeneration;
        List<Instance> evicted = new ArrayList<>();
        List<Instance> dead = new ArrayList<>();
        try {
            poolLock.lock();
            boolean waitingForMemory = false;
            boolean deferred = false;
            boolean waited = false;
            try {
                rhythm.called(function, live == idle.size(), now);
                while (true) {
                    if (closed) {
                        return Optional.empty();
                    }
                    Instance warm;
                    while ((warm = idle.pollFirst()) != null) {
                        if (warm.alive() && warm.function().revision() == function.revision()) {
                            rhythm.busy(live - idle.size());
                            waitOrStart.leased(warm, System.nanoTime(), waited);
                            return Optional.of(new Lease(warm, false));
                        }
                        live--;
                        dead.add(warm);
                    }
                    boolean memoryShort = false;
                    long clock = System.nanoTime();
                    long remaining = deadline - clock;
                    long waitForBusy = 0;
                    if (live < function.concurrency() && starting < maxParallelStarts) {
                        waitForBusy = waitOrStart.waitNanos(waiting, clock - arrived, clock);
                        boolean heldForCpu = false;
                        if (waitForBusy == 0) {
                            waitForBusy = waitOrStart.cpuHoldNanos(waiting, starting, clock);
                            heldForCpu = waitForBusy > 0;
                        }
                        if (waitForBusy > 0 && waitForBusy < remaining) {
                            if (!deferred) {
                                metrics.deferredScaleOut(functionName, heldForCpu);
                                deferred = true;
                            }
                        } else {
                            waitForBusy = 0;
                            NodeCapacity.Claim claim = capacity.tryClaim(this, function);
                            evicted.addAll(claim.evicted());
                            if (claim.granted()) {
                                live++;
                                starting++;
                                rhythm.busy(live - idle.size());
                                startGeneration = generation;
                                break;
                            }
                            memoryShort = true;
                        }
                    }
                    if (memoryShort != waitingForMemory) {
                        capacity.waitingForMemory(this, memoryShort);
                        waitingForMemory = memoryShort;
                    }
                    if (remaining <= 0) {
                        metrics.throttled(functionName);
                        throw new ThrottledException(throttleMessage(function, wait, memoryShort));
                    }
                    awaitFreed(waitForBusy > 0 ? waitForBusy : remaining);
                    waited = true;
                }
            } finally {
                if (waitingForMemory) {
                    capacity.waitingForMemory(this, false);
                }
                poolLock.unlock();
            }
        } finally {
            // Evicted instances' memory is already this caller's: they must be gone before it starts one.
            NodeCapacity.stopEvicted(evicted);
            dead.forEach(instance -> stop(instance, ScalingMetrics.StopReason.DIED));
        }
        try {
            long startedAt = System.nanoTime();
            Instance started = factory.start(function, startGeneration);
            poolLock.lock();
            try {
                holdingStartSlot.add(started);
            } finally {
                poolLock.unlock();
            }
            // Init is what a burst must not overdo; once ready, the next start may begin.
            started.whenReady(() -> endStart(started, startedAt));
            metrics.scaledOut(functionName, started.id(), liveInstances());
            return Optional.of(new Lease(started, true));
        } catch (RuntimeException e) {
            poolLock.lock();
            try {
                starting--;
            } finally {
                poolLock.unlock();
            }
            releaseSlot(function);
            throw e;
        }
    }

    /** Waits, with the node lock held, until an instance frees up or {@code nanos} pass. */
    private void awaitFreed(long nanos) throws InterruptedException {
        waiting++;
        try {
            capacityFreed.awaitNanos(nanos);
        } finally {
            waiting--;
        }
    }

    /** An instance started for a caller became ready: its start slot goes to the next waiter. */
    private void endStart(Instance instance, long startedAt) {
        poolLock.lock();
        try {
            long now = System.nanoTime();
            waitOrStart.started(now - startedAt);
            // From here on it runs its first invocation, a sample of the invocation time like any other.
            waitOrStart.leased(instance, now, false);
            if (holdingStartSlot.remove(instance)) {
                starting--;
                capacityFreed.signalAll();
            }
        } finally {
            poolLock.unlock();
        }
    }

    private String throttleMessage(FunctionConfig function, Duration wait, boolean memoryShort) {
        if (memoryShort) {
            MemoryBudget budget = capacity.budget();
            return "function '" + functionName + "' could not start an instance (" + function.memoryMb() + " MB) within "
                    + wait.toMillis() + " ms: the node memory budget (" + budget.totalMb() + " MB) is in use by busy or "
                    + "provisioned instances or reserved for other functions; retry later, raise memory-budget-mb, or lower "
                    + "other functions' memoryMb, minInstances or reserved concurrency";
        }
        return live < function.concurrency()
                ? "function '" + functionName + "' had no free instance within " + wait.toMillis() + " ms while "
                        + starting + " were starting; retry later or raise queue-wait-ms"
                : "function '" + functionName + "' is at its concurrency limit of " + function.concurrency()
                        + " and no instance freed up within " + wait.toMillis()
                        + " ms; retry later or raise --concurrency";
    }

    /**
     * Takes an instance back after an invocation: idle again if healthy and current, else gone.
     * {@code startedForCaller}: this was the first invocation of an instance started for it.
     * An instance of a function above its fair share stops instead while another function waits
     * for memory (see {@link NodeCapacity}), and so does one beyond the count the saturated cores
     * make useful (see {@link WaitOrStart}).
     */
    void release(Instance instance, boolean startedForCaller, Instant now) {
        boolean keep;
        boolean retired;
        ScalingMetrics.StopReason stopReason = null;
        poolLock.lock();
        try {
            retired = instance.generation() != generation;
            if (startedForCaller && holdingStartSlot.remove(instance)) {
                starting--;
            }
            long released = System.nanoTime();
            waitOrStart.released(instance, released, waiting > 0);
            keep = instance.alive() && instance.generation() == generation;
            if (keep && live > provisionedMinimum() && capacity.shouldYield(functionName)) {
                keep = false;
                stopReason = ScalingMetrics.StopReason.FAIR_SHARE;
            } else if (keep && live > provisionedMinimum() && waitOrStart.beyondUsefulCount(live, released)) {
                keep = false;
                stopReason = ScalingMetrics.StopReason.CPU_SATURATED;
            }
            if (keep) {
                instance.markIdle(now);
                idle.addFirst(instance);
                // Waiters of other functions may evict it.
                capacity.signalMemoryWaiters();
            } else {
                live--;
            }
            rhythm.finished(now, live == idle.size() && waiting == 0);
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
            stop(instance, stopReason != null ? stopReason
                    : retired ? ScalingMetrics.StopReason.RETIRED : ScalingMetrics.StopReason.DIED);
        }
    }

    /** Stops an instance no longer counted as live, then returns its memory to the budget. */
    private void stop(Instance instance, ScalingMetrics.StopReason reason) {
        metrics.scaledIn(functionName, instance.id(), reason);
        instance.kill();
        capacity.budget().release(functionName, instance.function().memoryMb());
    }

    /** An instance that was to start did not: its slot and its memory are free again. */
    private void releaseSlot(FunctionConfig function) {
        poolLock.lock();
        try {
            live--;
            capacityFreed.signal();
        } finally {
            poolLock.unlock();
        }
        capacity.budget().release(functionName, function.memoryMb());
    }

    private int provisionedMinimum() {
        return provisioned.map(FunctionConfig::minInstances).orElse(0);
    }

    String functionName() {
        return functionName;
    }

    /** Idle instances beyond the provisioned minimum, least recently used first. Call with the node lock held. */
    List<Instance> evictable() {
        int count = Math.min(idle.size(), live - provisionedMinimum());
        List<Instance> evictable = new ArrayList<>();
        for (Iterator<Instance> it = idle.descendingIterator(); it.hasNext() && evictable.size() < count; ) {
            Instance instance = it.next();
            if (instance.alive()) {
                evictable.add(instance);
            }
        }
        return evictable;
    }

    /** Takes an idle instance out for eviction; the evicting caller stops it. Call with the node lock held. */
    void evict(Instance instance) {
        if (!idle.remove(instance)) {
            throw new IllegalStateException(instance + " is not idle in " + poolKey);
        }
        live--;
    }

    /** Wakes every caller waiting in this pool to re-check. Call with the node lock held. */
    void signalAllWaiters() {
        capacityFreed.signalAll();
    }

    /**
     * Keeps {@code function.minInstances()} instances of this configuration started (provisioned):
     * they wait idle for invocations and the keep-alive never stops them.
     */
    void provision(FunctionConfig function, Instant now) {
        long startGeneration;
        int missing;
        int claimed = 0;
        List<Instance> evicted = new ArrayList<>();
        poolLock.lock();
        try {
            provisioned = function.minInstances() > 0 ? Optional.of(function) : Optional.empty();
            missing = function.minInstances() - live;
            while (claimed < missing) {
                NodeCapacity.Claim claim = capacity.tryClaim(this, function);
                evicted.addAll(claim.evicted());
                if (!claim.granted()) {
                    break;
                }
                claimed++;
                live++;
            }
            startGeneration = generation;
        } finally {
            poolLock.unlock();
        }
        NodeCapacity.stopEvicted(evicted);
        for (int i = 0; i < claimed; i++) {
            Instance started;
            try {
                started = factory.start(function, startGeneration);
                metrics.scaledOut(functionName, started.id(), liveInstances());
            } catch (RuntimeException e) {
                for (int unstarted = i; unstarted < claimed; unstarted++) {
                    releaseSlot(function);
                }
                throw e;
            }
            release(started, false, now);
        }
        if (claimed < missing) {
            throw new ThrottledException("only " + claimed + " of " + missing + " provisioned instance(s) of '" + functionName
                    + "' fit in the node memory budget (" + capacity.budget().totalMb() + " MB); raise memory-budget-mb "
                    + "or lower minInstances; retrying");
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

    /**
     * Applies the function's learned {@link KeepAlivePolicy.IdleWindow}, keeping the provisioned
     * minimum: instances idle past the keep-alive stop; while the whole function is idle and its
     * next call is not expected before the pre-warming window ends, its instances stop, and once the
     * window ends as many start again as were busy at once in its last busy period (once per idle
     * period, from free memory only). Returns how many instances stopped.
     */
    int reap(Instant now) {
        KeepAlivePolicy.IdleWindow window = keepAlive.windowFor(poolKey);
        List<Instance> expired = new ArrayList<>();
        List<Instance> unloaded = new ArrayList<>();
        Optional<FunctionConfig> prewarm = Optional.empty();
        int prewarmCount = 0;
        long startGeneration;
        poolLock.lock();
        try {
            int minimum = provisionedMinimum();
            // The pre-warm schedule counts from the moment the whole function went idle.
            Optional<Duration> functionIdleFor = live == idle.size() && waiting == 0 && !closed
                    ? rhythm.sinceLastCall(now) : Optional.empty();
            boolean prewarming = window.prewarms() && functionIdleFor.isPresent();
            boolean beforePrewarm = prewarming && functionIdleFor.get().compareTo(window.prewarmAfter()) < 0;
            boolean pastKeepAlive = prewarming && functionIdleFor.get().compareTo(window.keepUntil()) >= 0;
            for (Iterator<Instance> it = idle.descendingIterator(); it.hasNext(); ) {
                Instance instance = it.next();
                boolean expiredIdle = (prewarming ? beforePrewarm || pastKeepAlive
                        : instance.idleSince().plus(window.keepUntil()).isBefore(now)) && live > minimum;
                if (!instance.alive() || expiredIdle) {
                    it.remove();
                    live--;
                    ((instance.alive() && beforePrewarm) ? unloaded : expired).add(instance);
                }
            }
            if (prewarming && !beforePrewarm && !pastKeepAlive && live == 0) {
                // As many as the last busy period had busy at once (a fan-out every ten minutes needs all of them).
                Optional<IdleRhythm.Prewarm> due = rhythm.takePrewarm();
                while (due.isPresent() && prewarmCount < due.get().count() && capacity.tryClaimFree(due.get().function())) {
                    prewarmCount++;
                    live++;
                }
                prewarm = due.map(IdleRhythm.Prewarm::function);
            }
            startGeneration = generation;
        } finally {
            poolLock.unlock();
        }
        expired.forEach(instance ->
                stop(instance, instance.alive() ? ScalingMetrics.StopReason.IDLE : ScalingMetrics.StopReason.DIED));
        unloaded.forEach(instance -> stop(instance, ScalingMetrics.StopReason.PREDICTED_GAP));
        for (int i = 0; i < prewarmCount; i++) {
            try {
                startAhead(prewarm.orElseThrow(), startGeneration, now);
            } catch (RuntimeException e) {
                // The failed start gave its slot back; so do the ones that will not be tried.
                for (int unstarted = i + 1; unstarted < prewarmCount; unstarted++) {
                    releaseSlot(prewarm.orElseThrow());
                }
                throw e;
            }
        }
        return expired.size() + unloaded.size();
    }

    /** Starts an instance ahead of the invocation the keep-alive policy expects; it waits idle for it. */
    private void startAhead(FunctionConfig function, long startGeneration, Instant now) {
        Instance started;
        try {
            started = factory.start(function, startGeneration);
        } catch (RuntimeException e) {
            releaseSlot(function);
            throw e;
        }
        metrics.startedAhead(functionName, started.id());
        boolean current;
        poolLock.lock();
        try {
            current = started.generation() == generation && !closed;
            if (current) {
                started.markIdle(now);
                idle.addFirst(started);
                capacityFreed.signal();
                capacity.signalMemoryWaiters();
            } else {
                live--;
            }
        } finally {
            poolLock.unlock();
        }
        if (!current) {
            stop(started, ScalingMetrics.StopReason.RETIRED);
        }
    }

    /** The function changed or went away: idle instances stop now, busy ones when they finish. */
    void retire() {
        List<Instance> retired;
        poolLock.lock();
        try {
            generation++;
            lastInitFailure = Optional.empty();
            rhythm.retired();
            provisioned = Optional.empty();
            retired = new ArrayList<>(idle);
            live -= idle.size();
            idle.clear();
            capacityFreed.signalAll();
        } finally {
            poolLock.unlock();
        }
        retired.forEach(instance -> stop(instance, ScalingMetrics.StopReason.RETIRED));
    }

    /** The server is stopping: callers waiting or yet to come get no instance, and idle ones stop. */
    void close() {
        poolLock.lock();
        try {
            closed = true;
        } finally {
            poolLock.unlock();
        }
        retire();
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

    /** Callers waiting for an instance now (at the limit, for memory, or for a busy one). */
    int waitingCallers() {
        poolLock.lock();
        try {
            return waiting;
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

    /**
     * Counts read together, under one lock: live instances; idle ones ready for a call; idle ones
     * whose runtime is still initialising (provisioned or started ahead); callers waiting.
     */
    record Occupancy(int live, int idle, int initialising, int waiting) {}

    Occupancy occupancy() {
        poolLock.lock();
        try {
            int initialising = (int) idle.stream().filter(instance -> !instance.ready()).count();
            return new Occupancy(live, idle.size() - initialising, initialising, waiting);
        } finally {
            poolLock.unlock();
        }
    }
}
