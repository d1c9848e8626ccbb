package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;

import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One pool's instances by state, and the moves between states that keep the counts true. Live
 * instances are counted against the function's limit and hold their memory from the node budget
 * (starting, busy or idle); idle ones wait most recently idle first; busy ones run an invocation
 * (a stop cuts them). Instances of an older generation retire; calls queue for an instance; a
 * closed pool (the server is stopping) hands out nothing. Guarded by the node lock: call every
 * method with it held, except {@link #stop} and {@link #startFailed}.
 */
final class PoolState {

    private final String functionName;
    private final NodeCapacity capacity;
    private final ScalingMetrics metrics;
    private final InstantSource clock;
    private final Deque<Instance> idle = new ArrayDeque<>();
    private final Set<Instance> busy = new HashSet<>();
    private final WaitingCalls waiting;
    /** This pool and those of the function's other versions, which share its concurrency limit. */
    private final VersionPools versions;
    private int live;
    /** Bumped when the function is redeployed or deleted. */
    private long generation;
    private boolean closed;
    private boolean deleted;
    /** The configuration kept provisioned (its minInstances warm), if any. */
    private Optional<FunctionConfig> provisioned = Optional.empty();

    PoolState(String functionName, VersionPools versions, NodeCapacity capacity, ScalingMetrics metrics, DeadlineWaker waker,
              InstantSource clock) {
        this.functionName = functionName;
        this.waiting = new WaitingCalls(waker);
        this.versions = versions;
        versions.add(this);
        this.capacity = capacity;
        this.metrics = metrics;
        this.clock = clock;
    }

    int live() {
        return live;
    }

    /** Live instances not idle: starting or busy. */
    int notIdle() {
        return live - idle.size();
    }

    /** No instance is starting or busy (the function may still have idle ones). */
    boolean allIdle() {
        return live == idle.size();
    }

    /** A start was claimed: it counts from now, before its process exists. */
    void counted() {
        live++;
    }

    /** An instance stopped or a claimed start did not happen. */
    void uncounted() {
        live--;
        versions.freed(this);
    }

    WaitingCalls waiting() {
        return waiting;
    }

    VersionPools versions() {
        return versions;
    }

    long generation() {
        return generation;
    }

    boolean current(Instance instance) {
        return instance.generation() == generation;
    }

    boolean closed() {
        return closed;
    }

    /** The function was deleted: its calls fail, and a function created again under its name gets a pool of its own. */
    boolean deleted() {
        return deleted;
    }

    /** The most recently idle instance, taken out of idle (it may have died meanwhile). */
    Optional<Instance> takeIdle() {
        return Optional.ofNullable(idle.pollFirst());
    }

    void running(Instance instance) {
        busy.add(instance);
    }

    void returned(Instance instance) {
        busy.remove(instance);
    }

    /** Keeps a free instance idle for the next call, and wakes a queued one that may take it. */
    void keepIdle(Instance instance) {
        instance.markIdle(clock.instant());
        idle.addFirst(instance);
        // Waiters of other functions, and of other versions of this one, may evict it.
        capacity.signalMemoryWaiters();
        versions.freed(this);
        waiting.wakeFirst();
    }

    /**
     * Takes idle instances out, least recently idle first, while {@code remove} says so; each
     * stops counting as it goes, so {@code remove} sees the live count left.
     */
    List<Instance> removeIdle(Predicate<Instance> remove) {
        List<Instance> removed = new ArrayList<>();
        for (Iterator<Instance> it = idle.descendingIterator(); it.hasNext(); ) {
            Instance instance = it.next();
            if (remove.test(instance)) {
                it.remove();
                live--;
                removed.add(instance);
            }
        }
        if (!removed.isEmpty()) {
            versions.freed(this);
        }
        return removed;
    }

    /** Idle instances whose runtime is still initialising (provisioned or started ahead). */
    int idleInitialising() {
        return (int) idle.stream().filter(instance -> !instance.ready()).count();
    }

    int idleCount() {
        return idle.size();
    }

    Optional<FunctionConfig> provisioned() {
        return provisioned;
    }

    void provision(FunctionConfig function) {
        provisioned = function.minInstances() > 0 ? Optional.of(function) : Optional.empty();
    }

    int provisionedMinimum() {
        return provisioned.map(FunctionConfig::minInstances).orElse(0);
    }

    /** Idle instances beyond the provisioned minimum, least recently used first. */
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

    /** Takes an idle instance out for eviction; the evicting caller stops it. */
    void evict(Instance instance) {
        if (!idle.remove(instance)) {
            throw new IllegalStateException(instance + " is not idle in the pool of " + functionName);
        }
        live--;
        versions.freed(this);
    }

    /**
     * Takes an idle instance out for a call of another version that the function's concurrency
     * limit holds back (see {@link VersionPools}): its memory goes back now, and that caller stops it.
     */
    void yieldToOtherVersion(Instance instance) {
        evict(instance);
        metrics.scaledIn(functionName, instance.id(), ScalingMetrics.StopReason.OTHER_VERSION);
        capacity.budget().release(functionName, instance.function().memoryMb());
    }

    /**
     * The function changed ({@code deleted} false) or went away: a new generation, no provisioning,
     * and the idle instances out (to stop). A deleted pool takes no more calls: those queued fail.
     */
    List<Instance> retire(boolean deleted) {
        this.deleted |= deleted;
        generation++;
        provisioned = Optional.empty();
        List<Instance> retired = new ArrayList<>(idle);
        live -= idle.size();
        idle.clear();
        waiting.wakeAll();
        versions.freed(this);
        return retired;
    }

    /** The server is stopping: no handovers from here on. Returns the busy instances, for the stop to cut. */
    List<Instance> close() {
        closed = true;
        waiting.wakeAll();
        return new ArrayList<>(busy);
    }

    /** Stops an instance no longer counted as live, then returns its memory to the budget. Without the lock. */
    void stop(Instance instance, ScalingMetrics.StopReason reason) {
        metrics.scaledIn(functionName, instance.id(), reason);
        instance.kill();
        capacity.budget().release(functionName, instance.function().memoryMb());
    }

    /** A claimed start did not happen: its place and its memory are free again. Takes the node lock itself. */
    void startFailed(FunctionConfig function) {
        capacity.nodeLock().lock();
        try {
            live--;
            waiting.wakeFirst();
            versions.freed(this);
        } finally {
            capacity.nodeLock().unlock();
        }
        capacity.budget().release(functionName, function.memoryMb());
    }
}
