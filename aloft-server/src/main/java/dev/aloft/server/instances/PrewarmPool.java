package dev.aloft.server.instances;

import dev.aloft.server.functions.Runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * Keeps started bootstraps bound to no function ({@link Prewarmed}), per runtime and memory size;
 * a cold start takes one instead of starting a process. The configured sizes (setting
 * {@code prewarm}, at {@code prewarm-memory-mb}) are kept always; a cold start of another size
 * that found none teaches the pool that size too (one process, up to {@link #MAX_LEARNED_SIZES}
 * per runtime), until it goes unused for {@link #LEARNED_SIZE_TTL}. Taken processes are replaced
 * in the background, and so are ones that die unbound — after a growing pause when they keep
 * dying, so a broken runtime cannot fork in a loop. Bound processes never come back: they belong
 * to their function.
 *
 * <p>Every process kept or starting holds its memory size of the node's {@link MemoryBudget},
 * given back when it leaves the pool (a cold start's instance holds its own). When the budget is
 * short the pool starts nothing and tries again later, and {@link #shed} gives memory back to a
 * function that needs it.
 */
final class PrewarmPool implements AutoCloseable {

    /** Starts one prewarmed process (sandboxed, registered, pumping its output). */
    interface Launcher {
        Prewarmed launch(Runtime runtime, int memoryMb);
    }

    /** One kind of prewarmed process: the runtime and the memory limit it starts with. */
    private record Kind(Runtime runtime, int memoryMb) {
        @Override
        public String toString() {
            return runtime.id() + "/" + memoryMb + "MB";
        }
    }

    private static final Logger LOG = Logger.getLogger(PrewarmPool.class.getName());
    private static final long MAX_BACKOFF_MS = 60_000;
    /** How soon a pool that found the budget full tries again. */
    private static final long BUDGET_RETRY_MS = 5_000;
    static final int MAX_LEARNED_SIZES = 2;
    static final Duration LEARNED_SIZE_TTL = Duration.ofMinutes(10);
    /** Weight of the newest boot in a runtime's moving average. */
    private static final double BOOT_WEIGHT = 0.2;

    private final Launcher launcher;
    private final MemoryBudget budget;
    private final ScheduledExecutorService timers;
    private final Duration initTimeout;

    /** Guards every field below. */
    private final ReentrantLock lock = new ReentrantLock();
    /** How many processes to keep of each kind: the configured kinds and the learned ones. */
    private final Map<Kind, Integer> targets = new HashMap<>();
    /** Learned kinds and when (System.nanoTime) a cold start last wanted each. */
    private final Map<Kind, Long> learnedLastWanted = new HashMap<>();
    private final Map<Kind, Deque<Prewarmed>> kept = new HashMap<>();
    private final Map<Kind, Integer> starting = new HashMap<>();
    private final Map<Kind, Integer> failuresInARow = new HashMap<>();
    private final EnumMap<Runtime, Long> taken = new EnumMap<>(Runtime.class);
    /** How long taken processes took to boot, per runtime (ns, moving average): what a fresh start costs here. */
    private final EnumMap<Runtime, Double> bootNanos = new EnumMap<>(Runtime.class);
    private boolean closed;

    PrewarmPool(Map<Runtime, Integer> counts, int memoryMb, Launcher launcher, MemoryBudget budget,
                ScheduledExecutorService timers, Duration initTimeout) {
        counts.forEach((runtime, count) -> {
            if (!RuntimeCommands.waitsForBinding(runtime)) {
                LOG.warning("prewarm: the " + runtime.id() + " bootstrap cannot wait for a function; none kept");
            } else if (count > 0) {
                Kind kind = new Kind(runtime, memoryMb);
                targets.put(kind, count);
                kept.put(kind, new ArrayDeque<>());
            }
        });
        this.launcher = launcher;
        this.budget = budget;
        this.timers = timers;
        this.initTimeout = initTimeout;
    }

    /** Starts filling the pool; call once. */
    void start() {
        List.copyOf(targets.keySet()).forEach(this::refill);
        long everyMs = Math.max(1_000, LEARNED_SIZE_TTL.toMillis() / 10);
        timers.scheduleWithFixedDelay(this::forgetUnusedSizes, everyMs, everyMs, TimeUnit.MILLISECONDS);
    }

    /**
     * A prewarmed process for a function of this runtime and memory size, if one is kept; it is the
     * caller's now. A miss for a size the pool does not keep teaches it that size.
     */
    Optional<Prewarmed> take(Runtime runtime, int memoryMb) {
        Kind kind = new Kind(runtime, memoryMb);
        Prewarmed cell;
        lock.lock();
        try {
            if (!targets.containsKey(kind)) {
                learn(kind);
                return Optional.empty();
            }
            learnedLastWanted.computeIfPresent(kind, (k, at) -> System.nanoTime());
            Deque<Prewarmed> cells = kept.get(kind);
            // One already waiting on /aloft/bind costs only the binding; a younger one is still starting.
            cell = cells.stream().filter(Prewarmed::waiting).findFirst().orElse(cells.peekFirst());
            if (cell == null) {
                return Optional.empty();
            }
            cells.remove(cell);
            taken.merge(runtime, 1L, Long::sum);
            if (cell.waiting()) {
                failuresInARow.remove(kind);
                bootNanos.merge(runtime, (double) cell.bootNanos(), (average, sample) -> average + BOOT_WEIGHT * (sample - average));
            }
        } finally {
            lock.unlock();
        }
        // Outside the pool lock: a release wakes memory waiters under the node lock.
        budget.release(memoryMb);
        refill(kind);
        return Optional.of(cell);
    }

    /** What a cold start of this runtime and size would be now: a bind, or a boot of about how long. */
    WaitOrStart.NextStart nextStart(Runtime runtime, int memoryMb) {
        lock.lock();
        try {
            Deque<Prewarmed> cells = kept.get(new Kind(runtime, memoryMb));
            boolean bind = cells != null && cells.stream().anyMatch(Prewarmed::waiting);
            return new WaitOrStart.NextStart(bind, bootNanos.getOrDefault(runtime, -1.0).longValue());
        } finally {
            lock.unlock();
        }
    }

    /** Starts keeping one process of a size a cold start wanted; the least recently wanted learned size goes. */
    private void learn(Kind kind) {
        boolean runtimeKept = targets.keySet().stream().anyMatch(k -> k.runtime() == kind.runtime());
        // A size that would hold a large share of the node's memory idle is not worth guessing at.
        if (closed || !runtimeKept || kind.memoryMb() > budget.totalMb() / 8) {
            return;
        }
        List<Kind> learnedOfRuntime = learnedLastWanted.keySet().stream().filter(k -> k.runtime() == kind.runtime())
                .sorted(Comparator.comparing(learnedLastWanted::get)).toList();
        if (learnedOfRuntime.size() >= MAX_LEARNED_SIZES) {
            drop(learnedOfRuntime.getFirst());
        }
        targets.put(kind, 1);
        kept.put(kind, new ArrayDeque<>());
        learnedLastWanted.put(kind, System.nanoTime());
        LOG.info(() -> "prewarm: a cold start wanted " + kind + "; keeping one from now on");
        timers.execute(() -> refill(kind));
    }

    private void forgetUnusedSizes() {
        lock.lock();
        try {
            long now = System.nanoTime();
            List.copyOf(learnedLastWanted.entrySet()).stream()
                    .filter(e -> now - e.getValue() > LEARNED_SIZE_TTL.toNanos())
                    .forEach(e -> drop(e.getKey()));
        } finally {
            lock.unlock();
        }
    }

    /** Stops keeping a learned kind; its processes are retired. Call with the lock held. */
    private void drop(Kind kind) {
        targets.remove(kind);
        learnedLastWanted.remove(kind);
        failuresInARow.remove(kind);
        List<Prewarmed> cells = List.copyOf(kept.remove(kind));
        LOG.info(() -> "prewarm: no cold start wanted " + kind + " lately; keeping none");
        Thread.ofVirtual().name("prewarm-drop").start(() -> cells.forEach(cell -> {
            budget.release(cell.memoryMb());
            cell.retire();
        }));
    }

    /** Processes kept and ready (asking for a function) now, per runtime. */
    Map<Runtime, Integer> readyCounts() {
        return counts(true);
    }

    /** Processes kept but still starting (not yet asking for a function), per runtime. */
    Map<Runtime, Integer> startingCounts() {
        return counts(false);
    }

    private Map<Runtime, Integer> counts(boolean waiting) {
        lock.lock();
        try {
            Map<Runtime, Integer> counts = new EnumMap<>(Runtime.class);
            targets.keySet().forEach(kind -> counts.merge(kind.runtime(), 0, Integer::sum));
            kept.forEach((kind, cells) -> counts.merge(kind.runtime(),
                    (int) cells.stream().filter(c -> c.waiting() == waiting).count(), Integer::sum));
            if (!waiting) {
                starting.forEach((kind, n) -> counts.merge(kind.runtime(), n, Integer::sum));
            }
            return counts;
        } finally {
            lock.unlock();
        }
    }

    /** Processes taken by cold starts so far, per runtime. */
    Map<Runtime, Long> takenCounts() {
        lock.lock();
        try {
            return new EnumMap<>(taken);
        } finally {
            lock.unlock();
        }
    }

    private void refill(Kind kind) {
        int toStart;
        lock.lock();
        try {
            if (closed || !targets.containsKey(kind)) {
                return;
            }
            int have = kept.get(kind).size() + starting.getOrDefault(kind, 0);
            int wanted = Math.max(0, targets.get(kind) - have);
            toStart = 0;
            while (toStart < wanted && budget.tryReserve(kind.memoryMb())) {
                toStart++;
            }
            starting.merge(kind, toStart, Integer::sum);
            if (toStart < wanted) {
                timers.schedule(() -> refill(kind), BUDGET_RETRY_MS, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < toStart; i++) {
            Thread.ofVirtual().name("prewarm-" + kind).start(() -> startOne(kind));
        }
    }

    private void startOne(Kind kind) {
        Prewarmed cell;
        try {
            cell = launcher.launch(kind.runtime(), kind.memoryMb());
        } catch (RuntimeException e) {
            lock.lock();
            try {
                starting.merge(kind, -1, Integer::sum);
            } finally {
                lock.unlock();
            }
            budget.release(kind.memoryMb());
            failed(kind, "could not start: " + e.getMessage());
            return;
        }
        boolean pooled;
        lock.lock();
        try {
            starting.merge(kind, -1, Integer::sum);
            // A kind dropped while this one started has no deque any more.
            pooled = !closed && kept.containsKey(kind);
            if (pooled) {
                kept.get(kind).addLast(cell);
            }
        } finally {
            lock.unlock();
        }
        if (!pooled) {
            budget.release(kind.memoryMb());
            cell.retire();
            return;
        }
        cell.process().onExit(() -> exited(kind, cell));
        timers.schedule(() -> {
            if (!cell.waiting() && remove(kind, cell)) {
                cell.retire();
                failed(kind, "did not ask for its function within " + initTimeout.toSeconds() + " s");
            }
        }, initTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A pooled process ended: it is replaced. One taken meanwhile is its instance's business. */
    private void exited(Kind kind, Prewarmed cell) {
        if (!remove(kind, cell)) {
            return;
        }
        cell.retire();
        if (cell.waiting()) {
            // It was fine until something killed it (an operator, the OOM killer): just replace it.
            refill(kind);
        } else {
            failed(kind, "exited after " + cell.ageMs() + " ms before asking for its function");
        }
    }

    /** Takes a process out of the pool, giving back its memory; false when it was not (any more) in it. */
    private boolean remove(Kind kind, Prewarmed cell) {
        boolean removed;
        lock.lock();
        try {
            Deque<Prewarmed> cells = kept.get(kind);
            removed = cells != null && cells.remove(cell);
        } finally {
            lock.unlock();
        }
        if (removed) {
            budget.release(kind.memoryMb());
        }
        return removed;
    }

    /** The budget memory that {@link #shed} could give back now: what kept processes hold. */
    long keptMb() {
        lock.lock();
        try {
            return keptMbLocked();
        } finally {
            lock.unlock();
        }
    }

    private long keptMbLocked() {
        return kept.entrySet().stream().mapToLong(entry -> (long) entry.getKey().memoryMb() * entry.getValue().size()).sum();
    }

    /**
     * Stops kept processes until {@code mb} of the budget is given back — or none, when all of them
     * hold less: stopping processes that cannot make the room only costs their boots. The memory
     * is free when this returns (the processes die in the background). The pool refills when the
     * budget has room again.
     */
    void shed(long mb) {
        List<Prewarmed> shed = new ArrayList<>();
        lock.lock();
        try {
            if (keptMbLocked() < mb) {
                return;
            }
            long freed = 0;
            for (Map.Entry<Kind, Deque<Prewarmed>> entry : kept.entrySet()) {
                Kind kind = entry.getKey();
                Deque<Prewarmed> cells = entry.getValue();
                int before = shed.size();
                while (freed < mb && !cells.isEmpty()) {
                    shed.add(cells.pollLast());
                    freed += kind.memoryMb();
                }
                if (shed.size() > before) {
                    timers.schedule(() -> refill(kind), BUDGET_RETRY_MS, TimeUnit.MILLISECONDS);
                }
            }
        } finally {
            lock.unlock();
        }
        shed.forEach(cell -> budget.release(cell.memoryMb()));
        LOG.info(() -> "prewarm: stopped " + shed.size() + " unbound process(es) to free " + mb + " MB for a function");
        Thread.ofVirtual().name("prewarm-shed").start(() -> shed.forEach(Prewarmed::retire));
    }

    private void failed(Kind kind, String why) {
        long backoffMs;
        lock.lock();
        try {
            int failures = failuresInARow.merge(kind, 1, Integer::sum);
            backoffMs = Math.min(MAX_BACKOFF_MS, 1000L << Math.min(failures - 1, 16));
        } finally {
            lock.unlock();
        }
        LOG.warning("prewarmed " + kind + " process " + why + "; next try in " + backoffMs + " ms");
        timers.schedule(() -> refill(kind), backoffMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        List<Prewarmed> all = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            kept.values().forEach(all::addAll);
            kept.values().forEach(Deque::clear);
        } finally {
            lock.unlock();
        }
        all.forEach(cell -> budget.release(cell.memoryMb()));
        all.forEach(Prewarmed::retire);
    }
}
