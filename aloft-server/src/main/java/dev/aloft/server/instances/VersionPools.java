package dev.aloft.server.instances;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The pools of one function's versions ($LATEST and published ones), which share the function's
 * concurrency limit: as on Lambda, it caps the function, not each version. An idle instance of
 * one version gives way to a call of another that the limit holds back (it stops), since an idle
 * instance runs nothing and on Lambda holds no concurrency. Guarded by the node lock, but for
 * the list of pools: a pool joins as it is made, outside the lock.
 */
final class VersionPools {

    private final List<PoolState> pools = new CopyOnWriteArrayList<>();

    void add(PoolState pool) {
        pools.add(pool);
    }

    /** Instances of the function over all its versions: starting, busy or idle. */
    int live() {
        int live = 0;
        for (PoolState pool : pools) {
            live += pool.live();
        }
        return live;
    }

    /**
     * Whether {@code claimant} may start one more instance under {@code limit}, counting another
     * version's idle instance as room.
     */
    boolean roomFor(PoolState claimant, int limit) {
        return live() < limit || leastRecentlyIdleElsewhere(claimant).isPresent();
    }

    /**
     * Makes room for one more instance of {@code claimant} under {@code limit}: when the function
     * is at it, another version's least recently idle instance is taken out and its memory given
     * back; the caller stops it (before it starts its own).
     */
    Optional<Instance> makeRoom(PoolState claimant, int limit) {
        if (live() < limit) {
            return Optional.empty();
        }
        Optional<Idle> victim = leastRecentlyIdleElsewhere(claimant);
        victim.ifPresent(idle -> idle.pool().yieldToOtherVersion(idle.instance()));
        return victim.map(Idle::instance);
    }

    /** An instance of {@code pool} stopped or went idle: callers of other versions that the limit holds back look again. */
    void freed(PoolState pool) {
        if (pools.size() > 1) {
            pools.stream().filter(other -> other != pool).forEach(other -> other.waiting().wakeAll());
        }
    }

    private record Idle(PoolState pool, Instance instance) {}

    /** Provisioned minimums are kept: {@link PoolState#evictable()} leaves them out. */
    private Optional<Idle> leastRecentlyIdleElsewhere(PoolState claimant) {
        if (pools.size() < 2) {
            // Most functions have only $LATEST: callers held at its limit look here at every
            // wake-up, under the node lock.
            return Optional.empty();
        }
        return pools.stream().filter(pool -> pool != claimant)
                .flatMap(pool -> pool.evictable().stream().map(instance -> new Idle(pool, instance)))
                .min(Comparator.comparing(idle -> idle.instance().idleSince()));
    }
}
