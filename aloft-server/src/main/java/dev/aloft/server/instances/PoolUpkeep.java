package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The background side of a {@link FunctionPool}, run by the scheduler's upkeep rather than by
 * calls: the provisioned minimum, and the keep-alive's reaping and pre-warming. It works on the
 * pool's {@link PoolState} under the node lock, as the call path does.
 */
final class PoolUpkeep {

    private static final Logger LOG = Logger.getLogger(PoolUpkeep.class.getName());
    /** The wait before the replacement of a provisioned instance that died initialising; doubles per one in a row. */
    private static final Duration FIRST_REPLACEMENT_DELAY = InitFailureBackoff.WINDOW;
    private static final Duration MAX_REPLACEMENT_DELAY = Duration.ofMinutes(5);

    /** The pool this keeps, for the node's claims: its own idle instances are not evicted for it. */
    private final FunctionPool pool;
    private final String functionName;
    private final String poolKey;
    private final InstanceFactory factory;
    private final KeepAlivePolicy keepAlive;
    private final ScalingMetrics metrics;
    private final NodeCapacity capacity;
    private final ReentrantLock nodeLock;
    private final PoolState state;
    private final IdleRhythm rhythm;
    /** The call path's way back for an instance that is free: to a queued call, else idle. */
    private final Consumer<Instance> takeBack;
    /**
     * Instances kept idle (provisioned, or started ahead) that died before they were ready, in a
     * row: a broken init. Their replacements wait, longer for each, instead of booting a runtime that
     * fails the same way at every reap. Guarded by the node lock.
     */
    private int diedInitialising;
    private Instant replaceNotBefore = Instant.MIN;

    PoolUpkeep(FunctionPool pool, String poolKey, InstanceFactory factory, KeepAlivePolicy keepAlive,
               ScalingMetrics metrics, NodeCapacity capacity, PoolState state, IdleRhythm rhythm, Consumer<Instance> takeBack) {
        this.pool = pool;
        this.functionName = pool.functionName();
        this.poolKey = poolKey;
        this.factory = factory;
        this.keepAlive = keepAlive;
        this.metrics = metrics;
        this.capacity = capacity;
        this.nodeLock = capacity.nodeLock();
        this.state = state;
        this.rhythm = rhythm;
        this.takeBack = takeBack;
    }

    /**
     * Keeps {@code function.minInstances()} instances of this configuration started (provisioned):
     * they wait idle for invocations and the keep-alive never stops them.
     */
    void provision(FunctionConfig function) {
        long startGeneration;
        int missing;
        int claimed = 0;
        int live;
        boolean capped = false;
        List<Instance> evicted = new ArrayList<>();
        nodeLock.lock();
        try {
            state.provision(function);
            missing = function.minInstances() - state.live();
            while (claimed < missing) {
                // Busy instances of published versions may hold the function's limit for now.
                capped = !state.versions().roomFor(state, function.concurrency());
                if (capped) {
                    break;
                }
                state.versions().makeRoom(state, function.concurrency()).ifPresent(evicted::add);
                NodeCapacity.Claim claim = capacity.tryClaim(pool, function);
                evicted.addAll(claim.evicted());
                if (!claim.granted()) {
                    break;
                }
                claimed++;
                state.counted();
            }
            startGeneration = state.generation();
            live = state.live();
        } finally {
            nodeLock.unlock();
        }
        NodeCapacity.stopEvicted(evicted);
        startClaimed(function, claimed, startGeneration, started -> {
            metrics.scaledOut(functionName, started.id(), pool.liveInstances());
            takeBack.accept(started);
        });
        if (claimed < missing) {
            String shortfall = "only " + live + " of " + function.minInstances() + " provisioned instance(s) of '" + functionName
                    + "' fit ";
            throw capped
                    ? new ThrottledException(ThrottledException.Limit.FUNCTION_CONCURRENCY, shortfall + "under its concurrency "
                            + "limit of " + function.concurrency() + " beside its published versions' busy instances", "retrying")
                    : new ThrottledException(ThrottledException.Limit.NODE_MEMORY, shortfall + "in the node memory budget ("
                            + capacity.budget().totalMb() + " MB)", "raise memory-budget-mb or lower minInstances; retrying");
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
        nodeLock.lock();
        try {
            int minimum = state.provisionedMinimum();
            // The pre-warm schedule counts from the moment the whole function went idle.
            Optional<Duration> functionIdleFor = state.allIdle() && state.waiting().isEmpty() && !state.closed()
                    ? rhythm.sinceLastCall(now) : Optional.empty();
            boolean prewarming = window.prewarms() && functionIdleFor.isPresent();
            boolean beforePrewarm = prewarming && functionIdleFor.get().compareTo(window.prewarmAfter()) < 0;
            boolean pastKeepAlive = prewarming && functionIdleFor.get().compareTo(window.keepUntil()) >= 0;
            for (Instance instance : state.removeIdle(instance -> !instance.alive() || (state.live() > minimum
                    && (prewarming ? beforePrewarm || pastKeepAlive : instance.idleSince().plus(window.keepUntil()).isBefore(now))))) {
                ((instance.alive() && beforePrewarm) ? unloaded : expired).add(instance);
                if (!instance.alive() && !instance.ready()) {
                    diedInitialising(now);
                }
            }
            if (state.idleCount() > state.idleInitialising()) {
                diedInitialising = 0;
            }
            if (prewarming && !beforePrewarm && !pastKeepAlive && state.live() == 0) {
                // As many as the last busy period had busy at once (a fan-out every ten minutes needs all of them).
                Optional<IdleRhythm.Prewarm> due = rhythm.takePrewarm();
                while (due.isPresent() && prewarmCount < due.get().count()
                        && state.versions().live() < due.get().function().concurrency()
                        && capacity.tryClaimFree(due.get().function())) {
                    prewarmCount++;
                    state.counted();
                }
                prewarm = due.map(IdleRhythm.Prewarm::function);
            }
            startGeneration = state.generation();
        } finally {
            nodeLock.unlock();
        }
        expired.forEach(instance ->
                state.stop(instance, instance.alive() ? ScalingMetrics.StopReason.IDLE : ScalingMetrics.StopReason.DIED));
        unloaded.forEach(instance -> state.stop(instance, ScalingMetrics.StopReason.PREDICTED_GAP));
        if (prewarm.isPresent()) {
            startClaimed(prewarm.get(), prewarmCount, startGeneration, this::keepStartedAhead);
        }
        return expired.size() + unloaded.size();
    }

    private void diedInitialising(Instant now) {
        diedInitialising++;
        Duration delay = FIRST_REPLACEMENT_DELAY.multipliedBy(1L << Math.min(diedInitialising - 1, 16));
        if (delay.compareTo(MAX_REPLACEMENT_DELAY) > 0) {
            delay = MAX_REPLACEMENT_DELAY;
        }
        replaceNotBefore = now.plus(delay);
        LOG.warning("an instance of " + functionName + " kept ready for calls died initialising ("
                + diedInitialising + " in a row; its logs say why); the next replacement starts in " + delay.toSeconds() + " s");
    }

    /** Whether a provisioned instance that died may be replaced now (see {@link #diedInitialising}). Call with the node lock held. */
    boolean replacementDue(Instant now) {
        return !now.isBefore(replaceNotBefore);
    }

    /** The function changed: its next init may well work, so replacements start at once again. Call with the node lock held. */
    void forgetInitFailures() {
        diedInitialising = 0;
        replaceNotBefore = Instant.MIN;
    }

    /**
     * Starts {@code count} instances whose places and memory are claimed, and passes each on; when a
     * start fails, its place and those of the starts not tried are given back, and it throws.
     */
    private void startClaimed(FunctionConfig function, int count, long startGeneration, Consumer<Instance> started) {
        for (int i = 0; i < count; i++) {
            Instance instance;
            try {
                instance = factory.start(function, startGeneration);
            } catch (RuntimeException e) {
                for (int unstarted = i; unstarted < count; unstarted++) {
                    state.startFailed(function);
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
        nodeLock.lock();
        try {
            current = state.current(started) && !state.closed();
            if (current) {
                state.keepIdle(started);
            } else {
                state.uncounted();
            }
        } finally {
            nodeLock.unlock();
        }
        if (!current) {
            state.stop(started, ScalingMetrics.StopReason.RETIRED);
        }
    }
}
