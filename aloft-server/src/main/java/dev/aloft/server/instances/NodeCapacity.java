package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Decides which function gets node memory when a new instance needs some: from the free budget
 * (minus other functions' unused reservations); else from prewarmed processes, which are
 * stopped, and idle instances of other pools, least recently used first, evicted for what the
 * prewarmed ones cannot cover (none of either when all together would not do); else the caller
 * waits. While a function below its fair share of the unreserved budget waits, functions above
 * theirs yield: they start nothing from the shared part and their instances stop when they
 * finish instead of going idle.
 *
 * <p>It owns the node lock: every pool guards its state with it, so a decision that spans pools
 * (evict there, start here) sees one consistent state.
 */
final class NodeCapacity {

    /** The outcome of a claim: granted or not, and the instances evicted for it (the claimant stops them). */
    record Claim(boolean granted, List<Instance> evicted) {}

    /** An idle instance that may be evicted, and the pool it is idle in. */
    record Candidate(FunctionPool pool, Instance instance) {}

    private final ReentrantLock nodeLock = new ReentrantLock();
    private final MemoryBudget budget;
    private final Collection<FunctionPool> pools;
    private final PrewarmPool prewarmed;
    private final ScalingMetrics metrics;
    /** Callers waiting because the budget had no room, per pool; guarded by the node lock. */
    private final Map<FunctionPool, Integer> memoryWaiters = new HashMap<>();

    NodeCapacity(MemoryBudget budget, Collection<FunctionPool> pools, PrewarmPool prewarmed, ScalingMetrics metrics) {
        this.budget = budget;
        this.pools = pools;
        this.prewarmed = prewarmed;
        this.metrics = metrics;
        budget.onRelease(this::signalMemoryWaiters);
    }

    ReentrantLock nodeLock() {
        return nodeLock;
    }

    MemoryBudget budget() {
        return budget;
    }

    /**
     * Takes memory for one new instance of {@code function} in {@code pool}, evicting idle instances
     * of other pools if that makes room. Call with the node lock held.
     */
    Claim tryClaim(FunctionPool pool, FunctionConfig function) {
        String name = function.name();
        long mb = function.memoryMb();
        if (yieldsToStarvedFunction(name, mb)) {
            return new Claim(false, List.of());
        }
        if (budget.tryReserve(name, mb)) {
            return new Claim(true, List.of());
        }
        // Processes kept for cold starts give way first (a function's demand now outranks a guess),
        // idle instances only for what those cannot cover. When all of them together cannot make
        // room, none is stopped: that would throw away boots and warm instances for nothing.
        long shortMb = mb - budget.roomFor(name);
        Optional<List<Candidate>> plan = evictionPlan(pool, name, shortMb - prewarmed.keptMb());
        if (plan.isEmpty()) {
            return new Claim(false, List.of());
        }
        List<Instance> victims = new ArrayList<>();
        for (Candidate candidate : plan.get()) {
            Instance victim = candidate.instance();
            candidate.pool().evict(victim);
            victims.add(victim);
            // The victim's memory goes to the claimant now; it stops the victim before starting its own.
            budget.release(victim.function().name(), victim.function().memoryMb());
            metrics.evicted(victim.function().name(), victim.id(), name);
        }
        long stillShortMb = mb - budget.roomFor(name);
        if (stillShortMb > 0) {
            prewarmed.shed(stillShortMb);
        }
        return new Claim(budget.tryReserve(name, mb), victims);
    }

    /**
     * Takes memory for an instance started on a guess (ahead of a call the keep-alive expects) only
     * when it is free: no prewarmed process is shed and no other function's warm instance evicted
     * for a call that may not come. Call with the node lock held.
     */
    boolean tryClaimFree(FunctionConfig function) {
        return !yieldsToStarvedFunction(function.name(), function.memoryMb())
                && budget.tryReserve(function.name(), function.memoryMb());
    }

    /**
     * The least recently used idle instances of other pools whose eviction frees {@code neededMb}
     * for {@code name}: none when nothing is needed, empty when even all of them would not free
     * that much. Provisioned minimums are kept, and an instance inside its function's reservation
     * frees nothing for others, so it is passed over.
     */
    private Optional<List<Candidate>> evictionPlan(FunctionPool claimant, String name, long neededMb) {
        if (neededMb <= 0) {
            return Optional.of(List.of());
        }
        List<Candidate> candidates = new ArrayList<>();
        for (FunctionPool pool : pools) {
            if (pool != claimant) {
                pool.evictable().forEach(instance -> candidates.add(new Candidate(pool, instance)));
            }
        }
        candidates.sort(Comparator.comparing(candidate -> candidate.instance().idleSince()));
        long freedMb = 0;
        Map<String, Long> usedAfter = new HashMap<>();
        List<Candidate> plan = new ArrayList<>();
        for (Candidate candidate : candidates) {
            String owner = candidate.instance().function().name();
            long candidateMb = candidate.instance().function().memoryMb();
            long used = usedAfter.computeIfAbsent(owner, budget::usedMb);
            long gain = owner.equals(name) ? candidateMb
                    : Math.min(candidateMb, Math.max(0, used - budget.reservedMb(owner)));
            if (gain == 0) {
                continue;
            }
            usedAfter.put(owner, used - candidateMb);
            plan.add(candidate);
            freedMb += gain;
            if (freedMb >= neededMb) {
                return Optional.of(plan);
            }
        }
        return Optional.empty();
    }

    /**
     * True when {@code name}, above its fair share, would take shared memory that a function below
     * its share is waiting for. Memory inside its own reservation is always its to take.
     */
    private boolean yieldsToStarvedFunction(String name, long mb) {
        if (memoryWaiters.isEmpty() || budget.usedMb(name) + mb <= budget.reservedMb(name)) {
            return false;
        }
        long share = fairShareMb(name);
        return budget.unreservedUseMb(name) + mb > share && starvedWaiterOtherThan(name, share);
    }

    /**
     * True when an instance of {@code name} that just finished should stop instead of going idle:
     * its function is above its fair share and another, below its share, waits for memory.
     */
    boolean shouldYield(String name) {
        if (memoryWaiters.isEmpty()) {
            return false;
        }
        long share = fairShareMb(name);
        return budget.unreservedUseMb(name) > share && starvedWaiterOtherThan(name, share);
    }

    private boolean starvedWaiterOtherThan(String name, long share) {
        return memoryWaiters.keySet().stream().map(FunctionPool::functionName)
                .anyMatch(waiter -> !waiter.equals(name) && budget.unreservedUseMb(waiter) < share);
    }

    /** The unreserved budget split evenly over the functions holding memory or waiting for it. */
    private long fairShareMb(String requester) {
        Set<String> wanting = new HashSet<>(budget.holdingFunctions());
        memoryWaiters.keySet().forEach(pool -> wanting.add(pool.functionName()));
        wanting.add(requester);
        return budget.unreservedMb() / wanting.size();
    }

    /** A caller of {@code pool} starts or stops waiting for memory. Call with the node lock held. */
    void waitingForMemory(FunctionPool pool, boolean waiting) {
        memoryWaiters.merge(pool, waiting ? 1 : -1, Integer::sum);
        if (memoryWaiters.get(pool) == 0) {
            memoryWaiters.remove(pool);
            // Functions that yielded to this one may go on.
            signalMemoryWaiters();
        }
    }

    /** Memory came free, or an idle instance may be evicted: waiters for memory re-check. */
    void signalMemoryWaiters() {
        nodeLock.lock();
        try {
            memoryWaiters.keySet().forEach(FunctionPool::signalAllWaiters);
        } finally {
            nodeLock.unlock();
        }
    }

    /** Stops instances evicted for a claim: their memory was already handed over. Call without the lock. */
    static void stopEvicted(List<Instance> evicted) {
        evicted.forEach(Instance::kill);
    }
}
