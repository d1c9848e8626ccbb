package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The instances of one function. Warm instances are reused most-recently-idle first (they are the
 * warmest, and the coldest ones age out); a new one starts only when all are busy, the function
 * is under its concurrency limit and the node's {@link NodeCapacity} grants its memory; beyond
 * that calls queue, boundedly, and an instance that comes back goes straight to the first of them
 * (see {@link Assignment}). Every live instance holds its memory from the node budget until it is
 * stopped.
 */
final class FunctionPool {

    private final String functionName;
    private final String poolKey;
    private final InstanceFactory factory;
    private final KeepAlivePolicy keepAlive;
    private final ScalingMetrics metrics;
    private final NodeCapacity capacity;
    private final InstantSource clock;

    /** The node lock (shared by all pools, see {@link NodeCapacity}); guards every field below. */
    private final ReentrantLock poolLock;
    private final Deque<Instance> idle = new ArrayDeque<>();
    /** Instances running an invocation (or holding one for when they are ready): a stop cuts them. */
    private final Set<Instance> busy = new HashSet<>();
    /** Instances counted against the limit: starting, busy or idle. */
    private int live;
    private final StartSlots startSlots;
    /** Bumped when the function is redeployed or deleted; instances of older generations retire. */
    private long generation;
    private final InitFailureBackoff initFailure = new InitFailureBackoff();
    /** The configuration kept provisioned (its minInstances warm), if any. */
    private Optional<FunctionConfig> provisioned = Optional.empty();
    private final IdleRhythm rhythm;
    private final WaitOrStart<Instance> waitOrStart;
    private final WaitingCalls waiting = new WaitingCalls();
    /** The server is stopping: calls get no instance. */
    private boolean closed;

    FunctionPool(String functionName, String poolKey, InstanceFactory factory, KeepAlivePolicy keepAlive,
                 int maxParallelStarts, ScalingMetrics metrics, NodeCapacity capacity, CpuSaturation cpu,
                 InstantSource clock) {
        this.metrics = metrics;
        this.waitOrStart = new WaitOrStart<>(cpu::saturated, Runtime.getRuntime().availableProcessors());
        this.capacity = capacity;
        this.clock = clock;
        this.poolLock = capacity.nodeLock();
        this.startSlots = new StartSlots(maxParallelStarts);
        this.functionName = functionName;
        this.poolKey = poolKey;
        this.factory = factory;
        this.keepAlive = keepAlive;
        this.rhythm = new IdleRhythm(poolKey, keepAlive);
    }

    /**
     * Hands an invocation to a warm instance, or a new one, or — when the function is at its limit
     * — queues it for the first instance freed within {@code wait}. Returns it handed to its
     * instance (its {@link Assignment#outcome} completes when it ends), or empty once the pool is
     * closed (the server is stopping).
     *
     * @throws ThrottledException when none frees up in time
     */
    Optional<Assignment> submit(FunctionConfig function, String requestId, byte[] payload, Duration wait)
            throws InterruptedException {
        Assignment call = new Assignment(requestId, payload, function.revision(), this::ended);
        long arrived = System.nanoTime();
        long deadline = arrived + wait.toNanos();
        long startGeneration;
        List<Instance> evicted = new ArrayList<>();
        List<Instance> dead = new ArrayList<>();
        try {
            poolLock.lock();
            boolean waitingForMemory = false;
            boolean deferred = false;
            try {
                rhythm.called(function, live == idle.size(), clock.instant());
                while (true) {
                    if (call.handed()) {
                        return Optional.of(call);
                    }
                    if (closed) {
                        return Optional.empty();
                    }
                    Instance warm;
                    while ((warm = idle.pollFirst()) != null) {
                        if (warm.alive() && warm.function().revision() == function.revision()
                                && handTo(warm, call, false, waiting.contains(call), false)) {
                            return Optional.of(call);
                        }
                        live--;
                        dead.add(warm);
                    }
                    boolean memoryShort = false;
                    long clock = System.nanoTime();
                    long remaining = deadline - clock;
                    long waitForBusy = 0;
                    if (live < function.concurrency() && startSlots.available()) {
                        int ahead = waiting.ahead(call);
                        waitForBusy = waitOrStart.waitNanos(ahead, clock - arrived, clock);
                        boolean heldForCpu = false;
                        if (waitForBusy == 0) {
                            waitForBusy = waitOrStart.cpuHoldNanos(ahead, startSlots.taken(), clock);
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
                                startSlots.take();
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
                        throw memoryShort ? ThrottledException.memoryShort(function, wait, capacity.budget().totalMb())
                                : ThrottledException.noneFreed(function, wait, live >= function.concurrency(), startSlots.taken());
                    }
                    waiting.await(call, poolLock, waitForBusy > 0 ? waitForBusy : remaining);
                }
            } finally {
                waiting.remove(call);
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
        return startFor(call, function, startGeneration);
    }

    /** Starts an instance for {@code call}, which holds a start slot, and hands the call to it. */
    private Optional<Assignment> startFor(Assignment call, FunctionConfig function, long startGeneration) {
        long startedAt = System.nanoTime();
        Instance started;
        try {
            started = factory.start(function, startGeneration);
        } catch (RuntimeException e) {
            poolLock.lock();
            try {
                startSlots.giveBack();
            } finally {
                poolLock.unlock();
            }
            releaseSlot(function);
            throw e;
        }
        metrics.scaledOut(functionName, started.id(), liveInstances());
        boolean stopping;
        boolean taken = false;
        poolLock.lock();
        try {
            stopping = closed;
            if (stopping) {
                live--;
                startSlots.giveBack();
            } else {
                startSlots.heldBy(started);
                taken = handTo(started, call, true, false, false);
            }
        } finally {
            poolLock.unlock();
        }
        if (stopping) {
            // Started as the stop cut in: the instance never gets the call, and the caller hears why.
            stop(started, ScalingMetrics.StopReason.RETIRED);
            return Optional.empty();
        }
        if (!taken) {
            // It exited at once: the call ends here, and the pool takes the instance back as for any end.
            call.end(started.exitedBeforeDelivery());
            return Optional.of(call);
        }
        // Init is what a burst must not overdo; once ready, the next start may begin.
        started.whenReady(() -> endStart(started, startedAt));
        return Optional.of(call);
    }

    /**
     * Hands {@code call} to {@code instance}, which counts as busy from here; false when it had
     * exited. Call with the node lock held.
     *
     * @param afterWaiting the call had been queued (see {@link WaitOrStart#leased})
     * @param callerAsleep its caller sleeps in the queue and is not woken for this
     */
    private boolean handTo(Instance instance, Assignment call, boolean cold, boolean afterWaiting, boolean callerAsleep) {
        if (!call.handTo(instance, cold, callerAsleep)) {
            return false;
        }
        busy.add(instance);
        if (!cold) {
            rhythm.busy(live - idle.size());
            waitOrStart.leased(instance, System.nanoTime(), afterWaiting);
        }
        return true;
    }

    /** An instance started for a caller became ready: its start slot goes to the next waiter. */
    private void endStart(Instance instance, long startedAt) {
        poolLock.lock();
        try {
            long now = System.nanoTime();
            waitOrStart.started(now - startedAt);
            // From here on it runs its first invocation, a sample of the invocation time like any other.
            waitOrStart.leased(instance, now, false);
            if (startSlots.free(instance)) {
                waiting.wakeAll();
            }
        } finally {
            poolLock.unlock();
        }
    }

    /** An assignment ended on its instance, however it ended: the instance comes back. */
    private void ended(Assignment call, InvocationOutcome outcome) {
        if (outcome.status() == InvocationOutcome.Status.INIT_ERROR) {
            initFailure.failed(outcome, call.revision(), clock.instant());
        }
        takeBack(call.instance(), call.cold());
    }

    /**
     * Takes an instance back: to the first queued call of its revision, or idle, if healthy and
     * current; else gone. {@code startedForCaller}: this was the first invocation of an instance
     * started for it. An instance of a function above its fair share stops instead while another
     * function waits for memory (see {@link NodeCapacity}), and so does one beyond the count the
     * saturated cores make useful (see {@link WaitOrStart}).
     */
    private void takeBack(Instance instance, boolean startedForCaller) {
        boolean keep;
        boolean retired;
        ScalingMetrics.StopReason stopReason = null;
        poolLock.lock();
        try {
            busy.remove(instance);
            retired = instance.generation() != generation;
            if (startedForCaller) {
                startSlots.free(instance);
            }
            long released = System.nanoTime();
            Optional<Assignment> next = closed ? Optional.empty() : waiting.firstFor(instance.function().revision());
            waitOrStart.released(instance, released, next.isPresent());
            keep = instance.alive() && instance.generation() == generation;
            if (keep && live > provisionedMinimum() && capacity.shouldYield(functionName)) {
                keep = false;
                stopReason = ScalingMetrics.StopReason.FAIR_SHARE;
            } else if (keep && live > provisionedMinimum() && waitOrStart.beyondUsefulCount(live, released)) {
                keep = false;
                stopReason = ScalingMetrics.StopReason.CPU_SATURATED;
            }
            if (keep && next.isPresent()) {
                keep = handTo(instance, next.get(), false, true, true);
                if (keep) {
                    waiting.remove(next.get());
                }
            } else if (keep) {
                keepIdle(instance);
            }
            if (!keep) {
                live--;
                // A queued call may start one in its place.
                waiting.wakeFirst();
            }
            rhythm.finished(clock.instant(), live == idle.size() && waiting.isEmpty());
            if (startedForCaller) {
                // A finished start lets every queued call look again: others may start more while a
                // backlog remains, so a burst scales out in waves of maxParallelStarts.
                waiting.wakeAll();
            }
        } finally {
            poolLock.unlock();
        }
        if (!keep) {
            stop(instance, stopReason != null ? stopReason
                    : retired ? ScalingMetrics.StopReason.RETIRED : ScalingMetrics.StopReason.DIED);
        }
    }

    /** Keeps a free instance idle for the next call, and wakes a queued one that may take it. Call with the node lock held. */
    private void keepIdle(Instance instance) {
        instance.markIdle(clock.instant());
        idle.addFirst(instance);
        // Waiters of other functions may evict it.
        capacity.signalMemoryWaiters();
        waiting.wakeFirst();
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
            waiting.wakeFirst();
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

    /** Wakes every caller queued in this pool to look again. Call with the node lock held. */
    void signalAllWaiters() {
        waiting.wakeAll();
    }

    /**
     * Keeps {@code function.minInstances()} instances of this configuration started (provisioned):
     * they wait idle for invocations and the keep-alive never stops them.
     */
    void provision(FunctionConfig function) {
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
        startClaimed(function, claimed, startGeneration, started -> {
            metrics.scaledOut(functionName, started.id(), liveInstances());
            takeBack(started, false);
        });
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
            Optional<Duration> functionIdleFor = live == idle.size() && waiting.isEmpty() && !closed
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
        if (prewarm.isPresent()) {
            startClaimed(prewarm.get(), prewarmCount, startGeneration, this::keepStartedAhead);
        }
        return expired.size() + unloaded.size();
    }

    /**
     * Starts {@code count} instances whose slots and memory are claimed, and passes each on; when a
     * start fails, its slot and those of the starts not tried are given back, and it throws.
     */
    private void startClaimed(FunctionConfig function, int count, long startGeneration, Consumer<Instance> started) {
        for (int i = 0; i < count; i++) {
            Instance instance;
            try {
                instance = factory.start(function, startGeneration);
            } catch (RuntimeException e) {
                for (int unstarted = i; unstarted < count; unstarted++) {
                    releaseSlot(function);
                }
                throw e;
            }
            started.accept(instance);
        }
    }

    /** An instance started ahead of the invocation the keep-alive policy expects waits idle for it. */
    private void keepStartedAhead(Instance started) {
        metrics.startedAhead(functionName, started.id());
        boolean current;
        poolLock.lock();
        try {
            current = started.generation() == generation && !closed;
            if (current) {
                keepIdle(started);
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
            initFailure.forget();
            rhythm.retired();
            provisioned = Optional.empty();
            retired = new ArrayList<>(idle);
            live -= idle.size();
            idle.clear();
            waiting.wakeAll();
        } finally {
            poolLock.unlock();
        }
        retired.forEach(instance -> stop(instance, ScalingMetrics.StopReason.RETIRED));
    }

    /**
     * The server is stopping: calls queued or yet to come get no instance, not even one coming back.
     * Returns the busy instances, for the stop to cut; {@link #retire} then stops the idle ones.
     */
    List<Instance> close() {
        poolLock.lock();
        try {
            closed = true;
            waiting.wakeAll();
            return new ArrayList<>(busy);
        } finally {
            poolLock.unlock();
        }
    }

    /** The init failure a call to this revision gets at once, if one happened just now (see {@link InitFailureBackoff}). */
    Optional<InvocationOutcome> recentInitFailure(long revision, Instant now) {
        return initFailure.recent(revision, now);
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
            return new Occupancy(live, idle.size() - initialising, initialising, waiting.size());
        } finally {
            poolLock.unlock();
        }
    }
}
