package dev.aloft.server.instances;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node's memory budget ({@code memory-budget-mb}): every process Aloft keeps running holds
 * its memory limit from it until the process is gone, so instances at their limits never add up
 * to more than the machine can give.
 *
 * <p>For holders outside the scheduler (e.g. a pool of prewarmed generic processes) the API is two
 * non-blocking calls: {@link #tryReserve(long)} before starting a process — {@code false} means
 * "no room, do not start it" — and {@link #release(long)} with the same amount once the process is
 * gone. Such holdings come from the unreserved part only: memory reserved for functions (their
 * reserved concurrency × memoryMb) and not in use by them is never handed out.
 * {@link #onRelease(Runnable)} tells who waits for room that some came free.
 *
 * <p>The scheduler accounts per function (package-private methods): a function may take the
 * budget minus every other function's unused reservation.
 *
 * <p>Thread safety: one internal lock, held only inside these calls; nothing here blocks or calls
 * out while holding it. Release listeners run afterwards on the releasing thread.
 */
public final class MemoryBudget {

    /** Holdings of callers that are not functions; function names are never empty. */
    private static final String GENERIC = "";

    private final long totalMb;
    private final List<Runnable> releaseListeners = new CopyOnWriteArrayList<>();
    /** Guards the maps and the total below. */
    private final ReentrantLock budgetLock = new ReentrantLock();
    private final Map<String, Long> usedByHolder = new HashMap<>();
    private final Map<String, Long> reservedByFunction = new HashMap<>();
    private long usedMb;

    public MemoryBudget(long totalMb) {
        if (totalMb <= 0) {
            throw new IllegalArgumentException("a memory budget must be positive, got " + totalMb + " MB");
        }
        this.totalMb = totalMb;
    }

    /** The whole budget. */
    public long totalMb() {
        return totalMb;
    }

    /** Memory held right now by all holders together. */
    public long usedMb() {
        budgetLock.lock();
        try {
            return usedMb;
        } finally {
            budgetLock.unlock();
        }
    }

    /** What {@link #tryReserve(long)} could take now: the budget minus what is held and unused reservations. */
    public long availableMb() {
        return roomFor(GENERIC);
    }

    /**
     * Takes {@code mb} from the unreserved budget if it is there; never blocks.
     *
     * @return false when it does not fit (nothing is taken then)
     */
    public boolean tryReserve(long mb) {
        return tryReserve(GENERIC, mb);
    }

    /** Gives back {@code mb} taken with {@link #tryReserve(long)}, once the process holding it is gone. */
    public void release(long mb) {
        release(GENERIC, mb);
    }

    /** Runs {@code listener} after every release (on the releasing thread; keep it short and non-blocking). */
    public void onRelease(Runnable listener) {
        releaseListeners.add(listener);
    }

    boolean tryReserve(String holder, long mb) {
        budgetLock.lock();
        try {
            if (mb > roomForLocked(holder)) {
                return false;
            }
            usedByHolder.merge(holder, mb, Long::sum);
            usedMb += mb;
            return true;
        } finally {
            budgetLock.unlock();
        }
    }

    void release(String holder, long mb) {
        budgetLock.lock();
        try {
            long held = usedByHolder.getOrDefault(holder, 0L);
            if (mb > held) {
                throw new IllegalStateException("releasing " + mb + " MB for '" + holder + "' which holds " + held + " MB");
            }
            if (held == mb) {
                usedByHolder.remove(holder);
            } else {
                usedByHolder.put(holder, held - mb);
            }
            usedMb -= mb;
        } finally {
            budgetLock.unlock();
        }
        releaseListeners.forEach(Runnable::run);
    }

    /** Keeps {@code mb} for {@code function} alone (0 clears it). Deploys check that reservations fit. */
    void reserve(String function, long mb) {
        budgetLock.lock();
        try {
            if (mb == 0) {
                reservedByFunction.remove(function);
            } else {
                reservedByFunction.put(function, mb);
            }
        } finally {
            budgetLock.unlock();
        }
        // A smaller reservation leaves room to others.
        releaseListeners.forEach(Runnable::run);
    }

    /** What {@code holder} could take now: the budget minus what is held and others' unused reservations. */
    long roomFor(String holder) {
        budgetLock.lock();
        try {
            return roomForLocked(holder);
        } finally {
            budgetLock.unlock();
        }
    }

    private long roomForLocked(String holder) {
        long unusedReservations = 0;
        for (Map.Entry<String, Long> reservation : reservedByFunction.entrySet()) {
            if (!reservation.getKey().equals(holder)) {
                unusedReservations += Math.max(0, reservation.getValue() - usedByHolder.getOrDefault(reservation.getKey(), 0L));
            }
        }
        return totalMb - usedMb - unusedReservations;
    }

    long usedMb(String holder) {
        budgetLock.lock();
        try {
            return usedByHolder.getOrDefault(holder, 0L);
        } finally {
            budgetLock.unlock();
        }
    }

    long reservedMb(String function) {
        budgetLock.lock();
        try {
            return reservedByFunction.getOrDefault(function, 0L);
        } finally {
            budgetLock.unlock();
        }
    }

    /** Memory a function holds beyond its reservation: what it takes from the shared part. */
    long unreservedUseMb(String function) {
        budgetLock.lock();
        try {
            return Math.max(0, usedByHolder.getOrDefault(function, 0L) - reservedByFunction.getOrDefault(function, 0L));
        } finally {
            budgetLock.unlock();
        }
    }

    /** The budget minus all reservations: what functions share. */
    long unreservedMb() {
        budgetLock.lock();
        try {
            return totalMb - reservedByFunction.values().stream().mapToLong(Long::longValue).sum();
        } finally {
            budgetLock.unlock();
        }
    }

    /** Functions holding memory now. */
    List<String> holdingFunctions() {
        budgetLock.lock();
        try {
            return usedByHolder.keySet().stream().filter(holder -> !holder.equals(GENERIC)).toList();
        } finally {
            budgetLock.unlock();
        }
    }
}
