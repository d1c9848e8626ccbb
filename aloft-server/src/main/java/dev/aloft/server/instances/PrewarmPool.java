package dev.aloft.server.instances;

import dev.aloft.server.functions.Runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * Keeps, per runtime, a few started bootstraps bound to no function ({@link Prewarmed}); a cold
 * start takes one instead of starting a process. Taken ones are replaced in the background, and
 * so are ones that die unbound — after a growing pause when they keep dying, so a broken runtime
 * cannot fork in a loop. Bound processes never come back: they belong to their function.
 *
 * <p>Every process kept or starting holds {@code memoryMb} of the node's {@link MemoryBudget},
 * given back when it leaves the pool (a cold start's instance holds its own). When the budget is
 * short the pool starts nothing and tries again later, and {@link #shed} gives memory back to a
 * function that needs it.
 */
final class PrewarmPool implements AutoCloseable {

    /** Starts one prewarmed process (sandboxed, registered, pumping its output). */
    interface Launcher {
        Prewarmed launch(Runtime runtime, int memoryMb);
    }

    private static final Logger LOG = Logger.getLogger(PrewarmPool.class.getName());
    private static final long MAX_BACKOFF_MS = 60_000;
    /** How soon a pool that found the budget full tries again. */
    private static final long BUDGET_RETRY_MS = 5_000;

    private final Map<Runtime, Integer> targets;
    private final int memoryMb;
    private final Launcher launcher;
    private final MemoryBudget budget;
    private final ScheduledExecutorService timers;
    private final Duration initTimeout;

    /** Guards every field below. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Runtime, Deque<Prewarmed>> ready = new EnumMap<>(Runtime.class);
    private final Map<Runtime, Integer> starting = new EnumMap<>(Runtime.class);
    private final Map<Runtime, Integer> failuresInARow = new EnumMap<>(Runtime.class);
    private final EnumMap<Runtime, Long> taken = new EnumMap<>(Runtime.class);
    private boolean closed;

    PrewarmPool(Map<Runtime, Integer> targets, int memoryMb, Launcher launcher, MemoryBudget budget,
                ScheduledExecutorService timers, Duration initTimeout) {
        this.targets = new EnumMap<>(Runtime.class);
        targets.forEach((runtime, count) -> {
            if (!RuntimeCommands.waitsForBinding(runtime)) {
                LOG.warning("prewarm: the " + runtime.id() + " bootstrap cannot wait for a function; none kept");
            } else if (count > 0) {
                this.targets.put(runtime, count);
            }
        });
        this.memoryMb = memoryMb;
        this.launcher = launcher;
        this.budget = budget;
        this.timers = timers;
        this.initTimeout = initTimeout;
        this.targets.keySet().forEach(runtime -> ready.put(runtime, new ArrayDeque<>()));
    }

    /** Starts filling the pool; call once. */
    void start() {
        targets.keySet().forEach(this::refill);
    }

    /** A prewarmed process for a function of this runtime and memory size, if one is kept; it is the caller's now. */
    Optional<Prewarmed> take(Runtime runtime, int functionMemoryMb) {
        if (functionMemoryMb != memoryMb || !targets.containsKey(runtime)) {
            return Optional.empty();
        }
        Prewarmed cell;
        lock.lock();
        try {
            Deque<Prewarmed> cells = ready.get(runtime);
            // One already waiting on /aloft/bind costs only the binding; a younger one is still starting.
            cell = cells.stream().filter(Prewarmed::waiting).findFirst().orElse(cells.peekFirst());
            if (cell == null) {
                return Optional.empty();
            }
            cells.remove(cell);
            taken.merge(runtime, 1L, Long::sum);
            if (cell.waiting()) {
                failuresInARow.remove(runtime);
            }
        } finally {
            lock.unlock();
        }
        // Outside the pool lock: a release wakes memory waiters under the node lock.
        budget.release(memoryMb);
        refill(runtime);
        return Optional.of(cell);
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
            ready.forEach((runtime, cells) -> counts.put(runtime, (int) cells.stream().filter(c -> c.waiting() == waiting).count()
                    + (waiting ? 0 : starting.getOrDefault(runtime, 0))));
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

    private void refill(Runtime runtime) {
        int toStart;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            int have = ready.get(runtime).size() + starting.getOrDefault(runtime, 0);
            int wanted = Math.max(0, targets.get(runtime) - have);
            toStart = 0;
            while (toStart < wanted && budget.tryReserve(memoryMb)) {
                toStart++;
            }
            starting.merge(runtime, toStart, Integer::sum);
            if (toStart < wanted) {
                timers.schedule(() -> refill(runtime), BUDGET_RETRY_MS, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < toStart; i++) {
            Thread.ofVirtual().name("prewarm-" + runtime.id()).start(() -> startOne(runtime));
        }
    }

    private void startOne(Runtime runtime) {
        Prewarmed cell;
        try {
            cell = launcher.launch(runtime, memoryMb);
        } catch (RuntimeException e) {
            lock.lock();
            try {
                starting.merge(runtime, -1, Integer::sum);
            } finally {
                lock.unlock();
            }
            budget.release(memoryMb);
            failed(runtime, "could not start: " + e.getMessage());
            return;
        }
        boolean pooled;
        lock.lock();
        try {
            starting.merge(runtime, -1, Integer::sum);
            pooled = !closed;
            if (pooled) {
                ready.get(runtime).addLast(cell);
            }
        } finally {
            lock.unlock();
        }
        if (!pooled) {
            budget.release(memoryMb);
            cell.retire();
            return;
        }
        cell.process().process().onExit().thenRun(() -> exited(cell));
        timers.schedule(() -> {
            if (!cell.waiting() && remove(cell)) {
                cell.retire();
                failed(runtime, "did not ask for its function within " + initTimeout.toSeconds() + " s");
            }
        }, initTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A pooled process ended: it is replaced. One taken meanwhile is its instance's business. */
    private void exited(Prewarmed cell) {
        if (!remove(cell)) {
            return;
        }
        cell.retire();
        if (cell.waiting()) {
            // It was fine until something killed it (an operator, the OOM killer): just replace it.
            refill(cell.runtime());
        } else {
            failed(cell.runtime(), "exited after " + cell.ageMs() + " ms before asking for its function");
        }
    }

    private boolean remove(Prewarmed cell) {
        boolean removed;
        lock.lock();
        try {
            removed = ready.get(cell.runtime()).remove(cell);
        } finally {
            lock.unlock();
        }
        if (removed) {
            budget.release(memoryMb);
        }
        return removed;
    }

    /**
     * Stops kept processes until {@code mb} of the budget is given back, or none is left; the
     * memory is free when this returns (the processes die in the background). The pool refills when
     * the budget has room again.
     *
     * @return whether anything was given back
     */
    boolean shed(long mb) {
        List<Prewarmed> shed = new ArrayList<>();
        lock.lock();
        try {
            for (Deque<Prewarmed> cells : ready.values()) {
                while (shed.size() * (long) memoryMb < mb && !cells.isEmpty()) {
                    shed.add(cells.pollLast());
                }
            }
            if (!shed.isEmpty()) {
                targets.keySet().forEach(runtime -> timers.schedule(() -> refill(runtime), BUDGET_RETRY_MS, TimeUnit.MILLISECONDS));
            }
        } finally {
            lock.unlock();
        }
        shed.forEach(cell -> budget.release(memoryMb));
        if (!shed.isEmpty()) {
            LOG.info(() -> "prewarm: stopped " + shed.size() + " unbound process(es) to free " + mb + " MB for a function");
            Thread.ofVirtual().name("prewarm-shed").start(() -> shed.forEach(Prewarmed::retire));
        }
        return !shed.isEmpty();
    }

    private void failed(Runtime runtime, String why) {
        long backoffMs;
        lock.lock();
        try {
            int failures = failuresInARow.merge(runtime, 1, Integer::sum);
            backoffMs = Math.min(MAX_BACKOFF_MS, 1000L << Math.min(failures - 1, 16));
        } finally {
            lock.unlock();
        }
        LOG.warning("prewarmed " + runtime.id() + " process " + why + "; next try in " + backoffMs + " ms");
        timers.schedule(() -> refill(runtime), backoffMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        Deque<Prewarmed> all = new ArrayDeque<>();
        lock.lock();
        try {
            closed = true;
            ready.values().forEach(all::addAll);
            ready.values().forEach(Deque::clear);
        } finally {
            lock.unlock();
        }
        all.forEach(cell -> budget.release(memoryMb));
        all.forEach(Prewarmed::retire);
    }
}
