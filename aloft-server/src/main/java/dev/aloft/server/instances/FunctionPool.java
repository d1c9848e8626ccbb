package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The instances of one function. Warm instances are reused most-recently-idle first (they are the
 * warmest, and the coldest ones age out); a new one starts only when all are busy, the function
 * is under its concurrency limit and the node's {@link NodeCapacity} grants its memory; beyond
 * that calls queue, boundedly, and an instance that comes back goes straight to the first of them
 * (see {@link Assignment}). Every live instance holds its memory from the node budget until it is
 * stopped. This is the call path; {@link PoolUpkeep} keeps the provisioned minimum and applies
 * the keep-alive, both on the pool's {@link PoolState}.
 */
final class FunctionPool {

    private final String functionName;
    private final InstanceFactory factory;
    private final ScalingMetrics metrics;
    private final NodeCapacity capacity;
    private final InstantSource clock;

    /** The node lock (shared by all pools, see {@link NodeCapacity}); guards the state and every field below. */
    private final ReentrantLock poolLock;
    private final PoolState state;
    private final WaitingCalls waiting;
    private final StartSlots startSlots;
    private final InitFailureBackoff initFailure = new InitFailureBackoff();
    private final IdleRhythm rhythm;
    private final WaitOrStart<Instance> waitOrStart;
    private final PoolUpkeep upkeep;
    /**
     * Instances started for a call and still initialising, oldest start first, with that call: an
     * instance that comes back with no call queued takes the call over (see {@link #takeBack}).
     */
    private final Map<Instance, Assignment> startingFor = new LinkedHashMap<>();

    FunctionPool(String functionName, String poolKey, VersionPools versions, InstanceFactory factory, KeepAlivePolicy keepAlive,
                 int maxParallelStarts, ScalingMetrics metrics, NodeCapacity capacity, CpuSaturation cpu,
                 DeadlineWaker waker, InstantSource clock) {
        this.metrics = metrics;
        this.capacity = capacity;
        this.clock = clock;
        this.poolLock = capacity.nodeLock();
        this.state = new PoolState(functionName, versions, capacity, metrics, waker, clock);
        this.waiting = state.waiting();
        this.startSlots = new StartSlots(maxParallelStarts);
        this.waitOrStart = new WaitOrStart<>(cpu::saturated, startSlots::quietSince, Runtime.getRuntime().availableProcessors());
        this.functionName = functionName;
        this.factory = factory;
        this.rhythm = new IdleRhythm(poolKey, keepAlive);
        this.upkeep = new PoolUpkeep(this, poolKey, factory, keepAlive, metrics, capacity, state, rhythm,
                started -> takeBack(started, false, ScalingMetrics.StopReason.DIED));
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
        // Idle but of an older revision: one that came back between a redeploy and its retirement.
        List<Instance> outdated = new ArrayList<>();
        try {
            poolLock.lock();
            boolean waitingForMemory = false;
            boolean deferred = false;
            try {
                rhythm.called(function, state.allIdle(), clock.instant());
                while (true) {
                    if (call.handed()) {
                        return Optional.of(call);
                    }
                    if (state.closed()) {
                        return Optional.empty();
                    }
                    if (state.deleted()) {
                        throw new FunctionDeletedException(functionName);
                    }
                    Optional<Instance> warm;
                    while ((warm = state.takeIdle()).isPresent()) {
                        if (warm.get().alive() && warm.get().function().revision() == function.revision()
                                && handTo(warm.get(), call, false, waiting.contains(call))) {
                            return Optional.of(call);
                        }
                        state.uncounted();
                        (warm.get().alive() && warm.get().function().revision() != function.revision() ? outdated : dead)
                                .add(warm.get());
                    }
                    boolean memoryShort = false;
                    long clock = System.nanoTime();
                    long remaining = deadline - clock;
                    long waitForBusy = 0;
                    if (state.versions().roomFor(state, function.concurrency()) && startSlots.available()) {
                        int ahead = waiting.ahead(call);
                        waitForBusy = waitOrStart.waitNanos(ahead, startSlots.taken(), clock - arrived, clock,
                                factory.prewarmPool().nextStart(function.runtime(), function.memoryMb()));
                        boolean heldForCpu = false;
                        if (waitForBusy == 0) {
                            waitForBusy = waitOrStart.cpuHoldNanos(ahead, startSlots.taken(), state.live(), clock);
                            heldForCpu = waitForBusy > 0;
                        }
                        if (waitForBusy > 0 && waitForBusy < remaining) {
                            if (!deferred) {
                                metrics.deferredScaleOut(functionName, heldForCpu);
                                deferred = true;
                            }
                        } else {
                            waitForBusy = 0;
                            state.versions().makeRoom(state, function.concurrency()).ifPresent(evicted::add);
                            NodeCapacity.Claim claim = capacity.tryClaim(this, function);
                            evicted.addAll(claim.evicted());
                            if (claim.granted()) {
                                state.counted();
                                startSlots.take();
                                rhythm.busy(state.notIdle());
                                startGeneration = state.generation();
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
                        throw memoryShort ? ThrottledException.memoryShort(function, wait, capacity.budget().totalMb())
                                : ThrottledException.noneFreed(function, wait, state.versions().live() >= function.concurrency(), startSlots.taken());
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
            dead.forEach(instance -> state.stop(instance, ScalingMetrics.StopReason.DIED));
            outdated.forEach(instance -> state.stop(instance, ScalingMetrics.StopReason.RETIRED));
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
            state.startFailed(function);
            throw e;
        }
        metrics.scaledOut(functionName, started.id(), liveInstances());
        boolean stopping;
        boolean taken = false;
        poolLock.lock();
        try {
            stopping = state.closed();
            if (stopping) {
                state.uncounted();
                startSlots.giveBack();
            } else {
                startSlots.heldBy(started);
                taken = handTo(started, call, true, false);
                if (taken) {
                    startingFor.put(started, call);
                }
            }
        } finally {
            poolLock.unlock();
        }
        if (stopping) {
            // Started as the stop cut in: the instance never gets the call, and the caller hears why.
            state.stop(started, ScalingMetrics.StopReason.RETIRED);
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
     */
    private boolean handTo(Instance instance, Assignment call, boolean cold, boolean afterWaiting) {
        if (!call.handTo(instance, cold)) {
            return false;
        }
        state.running(instance);
        if (!cold) {
            rhythm.busy(state.notIdle());
            waitOrStart.leased(instance, System.nanoTime(), afterWaiting);
        }
        return true;
    }

    /** An instance started for a caller became ready: its start slot goes to the next waiter. */
    private void endStart(Instance instance, long startedAt) {
        poolLock.lock();
        try {
            long now = System.nanoTime();
            waitOrStart.started(now - startedAt, instance.prewarmed());
            if (startingFor.remove(instance) != null) {
                // From here on it runs its first invocation, a sample of the invocation time like any other.
                waitOrStart.leased(instance, now, false);
            }
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
        takeBack(call.instance(), call.cold(), switch (outcome.status()) {
            case TIMEOUT -> ScalingMetrics.StopReason.TIMED_OUT;
            case OUT_OF_MEMORY -> ScalingMetrics.StopReason.OUT_OF_MEMORY;
            default -> ScalingMetrics.StopReason.DIED;
        });
    }

    /**
     * Takes an instance back: to the first queued call of its revision, else to a call waiting for
     * a start (see {@link #takeOverFromStart}), else idle, if healthy and current; else gone.
     * {@code startedForCaller}: this was the first invocation of an instance started for it, or
     * the instance's call moved elsewhere while it started; {@code ifGone}: why it stopped if it is
     * no longer alive. An instance of a function above its
     * fair share stops instead while another function waits for memory (see {@link NodeCapacity}),
     * and so does one beyond the count the saturated cores make useful (see {@link WaitOrStart}).
     */
    private void takeBack(Instance instance, boolean startedForCaller, ScalingMetrics.StopReason ifGone) {
        boolean keep;
        boolean retired;
        Assignment cameTooLate = null;
        ScalingMetrics.StopReason stopReason = null;
        poolLock.lock();
        try {
            state.returned(instance);
            retired = !state.current(instance);
            if (startedForCaller) {
                startSlots.free(instance);
                startingFor.remove(instance);
            }
            long released = System.nanoTime();
            Optional<Assignment> next = state.closed() ? Optional.empty() : waiting.firstFor(instance.function().revision());
            waitOrStart.released(instance, released, next.isPresent());
            keep = instance.alive() && state.current(instance);
            if (keep && state.live() > state.provisionedMinimum() && capacity.shouldYield(functionName)) {
                keep = false;
                stopReason = ScalingMetrics.StopReason.FAIR_SHARE;
            } else if (keep && state.live() > state.provisionedMinimum()
                    // Not counting instances still starting (or on their first call) for other callers:
                    // each is weighed when it comes back. Counted, a burst to a new revision stopped
                    // every instance at its first return while the next ones started, for good.
                    && waitOrStart.beyondUsefulCount(state.live() - startSlots.taken(), released)) {
                keep = false;
                stopReason = ScalingMetrics.StopReason.CPU_SATURATED;
            }
            Optional<Assignment> awaitingStart = keep && next.isEmpty() && !state.closed()
                    ? takeOverFromStart(instance) : Optional.empty();
            if (keep && next.isPresent()) {
                keep = handTo(instance, next.get(), false, true);
                if (keep) {
                    waiting.remove(next.get());
                }
            } else if (awaitingStart.isPresent()) {
                if (!handTo(instance, awaitingStart.get(), false, false)) {
                    // It exited just now. The call ends as one that came too late (below), and that
                    // end takes this instance back, so it is not counted out here as well.
                    cameTooLate = awaitingStart.get();
                }
            } else if (keep) {
                state.keepIdle(instance);
            }
            if (!keep) {
                state.uncounted();
                // A queued call may start one in its place.
                waiting.wakeFirst();
            }
            rhythm.finished(clock.instant(), state.allIdle() && waiting.isEmpty());
            if (startedForCaller) {
                // A finished start lets every queued call look again: others may start more while a
                // backlog remains, so a burst scales out in waves of maxParallelStarts.
                waiting.wakeAll();
            }
        } finally {
            poolLock.unlock();
        }
        if (cameTooLate != null) {
            cameTooLate.end(instance.exitedBeforeDelivery());
        }
        if (!keep) {
            state.stop(instance, stopReason != null ? stopReason
                    : retired ? ScalingMetrics.StopReason.RETIRED : ifGone);
        }
    }

    /**
     * The oldest call of {@code free}'s revision that waits for an instance started for it, taken
     * back from that instance while its runtime still initialises: a burst's first callers would
     * otherwise wait out a boot (hundreds of ms when many run at once) while a warm instance sits
     * idle. The starting instance, once ready, comes back like any other. Call with the node lock held.
     */
    private Optional<Assignment> takeOverFromStart(Instance free) {
        for (Iterator<Map.Entry<Instance, Assignment>> it = startingFor.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Instance, Assignment> entry = it.next();
            Instance starting = entry.getKey();
            Assignment call = entry.getValue();
            if (call.revision() == free.function().revision()
                    && starting.withdraw(call, () -> takeBack(starting, true, ScalingMetrics.StopReason.DIED))) {
                it.remove();
                return Optional.of(call);
            }
        }
        return Optional.empty();
    }

    String functionName() {
        return functionName;
    }

    /** Idle instances beyond the provisioned minimum, least recently used first. Call with the node lock held. */
    List<Instance> evictable() {
        return state.evictable();
    }

    /** Takes an idle instance out for eviction; the evicting caller stops it. Call with the node lock held. */
    void evict(Instance instance) {
        state.evict(instance);
    }

    /** Wakes every caller queued in this pool to look again. Call with the node lock held. */
    void signalAllWaiters() {
        waiting.wakeAll();
    }

    /** See {@link InstanceScheduler#rescale}. */
    void rescale(FunctionConfig function) {
        poolLock.lock();
        try {
            state.provision(function);
        } finally {
            poolLock.unlock();
        }
    }

    /** See {@link PoolUpkeep#provision}. */
    void provision(FunctionConfig function) {
        upkeep.provision(function);
    }

    /**
     * The configuration to keep provisioned, if this pool has one and is short of its minimum now:
     * instances died, and the backoff after ones that died initialising has passed.
     */
    Optional<FunctionConfig> provisionedAndShort(Instant now) {
        poolLock.lock();
        try {
            return state.provisioned().filter(function -> state.live() < function.minInstances() && upkeep.replacementDue(now));
        } finally {
            poolLock.unlock();
        }
    }

    /** See {@link PoolUpkeep#reap}. */
    int reap(Instant now) {
        return upkeep.reap(now);
    }

    /**
     * The function changed or ({@code deleted}) went away: idle instances stop now, busy ones when
     * they finish; after a delete, queued and later calls fail.
     */
    void retire(boolean deleted) {
        List<Instance> retired;
        poolLock.lock();
        try {
            initFailure.forget();
            upkeep.forgetInitFailures();
            rhythm.retired();
            retired = state.retire(deleted);
        } finally {
            poolLock.unlock();
        }
        retired.forEach(instance -> state.stop(instance, ScalingMetrics.StopReason.RETIRED));
    }

    /**
     * The server is stopping: calls queued or yet to come get no instance, not even one coming back.
     * Returns the busy instances, for the stop to cut; {@link #retire} then stops the idle ones.
     */
    List<Instance> close() {
        poolLock.lock();
        try {
            return state.close();
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
            return state.live();
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
            int initialising = state.idleInitialising();
            return new Occupancy(state.live(), state.idleCount() - initialising, initialising, waiting.size());
        } finally {
            poolLock.unlock();
        }
    }
}
