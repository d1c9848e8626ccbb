package dev.aloft.server.instances;

import dev.aloft.server.AloftException;
import dev.aloft.server.functions.CodeStore;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.Runtime;
import dev.aloft.server.instances.InvocationOutcome.Status;
import dev.aloft.server.runtimeapi.RuntimeApiServer;
import dev.aloft.server.sandbox.Sandbox;
import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.Database;
import dev.aloft.server.store.LogLine;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.logging.Logger;

/** Runs invocations on instances: the public face of this package. */
public final class InstanceScheduler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(InstanceScheduler.class.getName());

    /** The knobs of the scheduler, from the server settings. */
    public record Limits(Duration keepAlive, Duration queueWait, Duration initTimeout, int tmpSizeMb, String region,
                         int maxParallelStarts, long memoryBudgetMb, Map<Runtime, Integer> prewarm,
                         int prewarmMemoryMb, boolean javaFunctionAot, int cpuSaturatedIdlePercent) {}

    private final Map<String, FunctionPool> pools = new ConcurrentHashMap<>();
    /** Per function, its versions' pools, which share its concurrency limit. */
    private final Map<String, VersionPools> versionPools = new ConcurrentHashMap<>();
    /** The last provisioning shortfall warned of, per function: the reaper retries every few seconds, the log says it once. */
    private final Map<String, String> provisioningShortfalls = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers;
    /** Wakes callers (queued, or awaiting their outcome) at their deadlines, for every pool. */
    private final DeadlineWaker waker = new DeadlineWaker();
    private final InstanceFactory factory;
    private final InstantSource clock;
    private final Limits limits;
    private final KeepAlivePolicy keepAlive;
    private final KeepAliveStore keepAliveStore;
    private final ScalingMetrics metrics = new ScalingMetrics();
    private final NodeCapacity capacity;
    private final CpuSaturation cpu;
    /** Guards the two fields below: invocations under way, and the stop. */
    private final ReentrantLock stopLock = new ReentrantLock();
    private final Condition allDone = stopLock.newCondition();
    private int underWay;
    /** 0: serving; 1: draining (new invocations refused); 2: cutting (instances still running are stopped). */
    private int stopPhase;

    /**
     * @param codeInUse the code hashes deployed functions and versions run: derived files of any
     *                  other code (per-function AOT caches) are deleted
     */
    public InstanceScheduler(Sandbox sandbox, RuntimeApiServer runtimeApi, RuntimeCommands commands, CodeStore codeStore,
                             Supplier<Set<String>> codeInUse, BatchWriter<LogLine> logWriter, Database database,
                             InstantSource clock, Limits limits) {
        ScheduledThreadPoolExecutor timerPool = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("instance-timers").daemon().factory());
        timerPool.setRemoveOnCancelPolicy(true);
        this.timers = timerPool;
        MemoryBudget budget = new MemoryBudget(limits.memoryBudgetMb());
        this.factory = new InstanceFactory(sandbox, runtimeApi, commands, codeStore, codeInUse, logWriter, timers, clock,
                limits, budget);
        this.clock = clock;
        this.limits = limits;
        this.keepAlive = new KeepAlivePolicy(limits.keepAlive());
        this.keepAliveStore = new KeepAliveStore(database, clock);
        keepAliveStore.loadInto(keepAlive);
        this.capacity = new NodeCapacity(budget, pools.values(), factory.prewarmPool(), metrics);
        this.cpu = CpuSaturation.sampled(limits.cpuSaturatedIdlePercent(), CpuSaturation::ownQuota, timers);
        factory.startPrewarming();
        long reapEveryMs = Math.max(100, Math.min(limits.keepAlive().toMillis() / 4, 5_000));
        timers.scheduleWithFixedDelay(this::reapIdle, reapEveryMs, reapEveryMs, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::saveKeepAlive, 1, 1, TimeUnit.MINUTES);
    }

    /** Stores what the keep-alive learned since the last save; a failure waits for the next change. */
    private void saveKeepAlive() {
        try {
            keepAliveStore.save(keepAlive);
        } catch (RuntimeException e) {
            LOG.warning("storing the learned keep-alive failed: " + e);
        }
    }

    /**
     * Runs one invocation on a warm instance or a new one; blocks until it ends.
     *
     * @throws ThrottledException when the function stays at its concurrency limit for the queue wait
     */
    public InvocationOutcome invoke(FunctionConfig function, String invocationId, byte[] payload, Caller caller) {
        admit();
        try {
            return invokeAdmitted(function, invocationId, payload, caller);
        } finally {
            stopLock.lock();
            try {
                if (--underWay == 0) {
                    allDone.signalAll();
                }
            } finally {
                stopLock.unlock();
            }
        }
    }

    private void admit() {
        stopLock.lock();
        try {
            if (stopPhase > 0) {
                throw new AloftException(503, "ServiceException", "the server is stopping; retry in a moment");
            }
            underWay++;
        } finally {
            stopLock.unlock();
        }
    }

    private InvocationOutcome invokeAdmitted(FunctionConfig function, String invocationId, byte[] payload, Caller caller) {
        FunctionPool pool = pool(function);
        Optional<InvocationOutcome> recentFailure = pool.recentInitFailure(function.revision(), clock.instant());
        if (recentFailure.isPresent()) {
            return recentFailure.get();
        }
        Optional<Assignment> handed;
        try {
            handed = pool.submit(function, invocationId, payload, limits.queueWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AloftException(503, "ServiceException", "the server is shutting down");
        }
        if (handed.isEmpty()) {
            return InvocationOutcome.serverStopped(0, Optional.empty());
        }
        caller.onInstance().run();
        Assignment call = handed.get();
        InvocationOutcome outcome = await(call);
        Instance instance = call.instance();
        if (call.cold()) {
            return outcome.asCold(true, instance.prewarmed(), instance.initMs());
        }
        // The caller waited for the rest of the init: cold, by the part it waited for.
        return call.initialising() ? outcome.asCold(true, instance.prewarmed(), instance.initMsLeftAt(call.handedNanos()))
                : outcome.asCold(false, false, 0);
    }

    /**
     * The first step of a stop: new invocations get 503, and this waits up to {@code grace} for
     * those under way, so their callers get answers and their records are final.
     *
     * @return how many are still under way
     */
    public int drain(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        stopLock.lock();
        try {
            stopPhase = Math.max(stopPhase, 1);
            long remaining;
            while (underWay > 0 && (remaining = deadline - System.nanoTime()) > 0) {
                allDone.awaitNanos(remaining);
            }
            return underWay;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return underWay;
        } finally {
            stopLock.unlock();
        }
    }

    private InvocationOutcome await(Assignment call) {
        // The instance ends every assignment itself (answer, timeout, exit) and wakes the caller;
        // this bound only guards against a bug there leaving a caller waiting forever. The waker
        // keeps it, not a timed get: see DeadlineWaker. The call may move to another instance of
        // the same function meanwhile (FunctionPool.takeOverFromStart): call.instance() is the one
        // that holds it now.
        long boundMs = limits.initTimeout().toMillis() + call.instance().function().timeoutSeconds() * 1000L + 10_000;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMs);
        while (!call.outcome().isDone()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                Instance instance = call.instance();
                instance.kill();
                throw new AloftException(500, "ServiceException", "invocation " + call.requestId() + " on " + instance
                        + " did not end within " + boundMs + " ms");
            }
            waker.parkNanos(call, left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                call.instance().kill();
                throw new AloftException(503, "ServiceException", "the server is shutting down");
            }
        }
        return call.outcome().join();
    }

    /**
     * Starts the function's provisioned instances ({@code minInstances}) in the background and
     * keeps them: the reaper never stops them and replaces any that die.
     */
    public void provision(FunctionConfig function) {
        FunctionPool pool = pool(function);
        Thread.ofVirtual().name("provision-" + function.name()).start(() -> {
            try {
                pool.provision(function);
                LOG.info(() -> "provisioned " + function.minInstances() + " instance(s) of " + function.name());
                provisioningShortfalls.remove(function.name());
            } catch (RuntimeException e) {
                String failure = "provisioning " + function.name() + " failed: " + e.getMessage();
                if (failure.equals(provisioningShortfalls.put(function.name(), failure))) {
                    LOG.fine(failure);
                } else {
                    LOG.warning(failure + " (said again only when it changes)");
                }
            }
        });
    }

    /**
     * Keeps the function's reserved memory (reserved concurrency × memoryMb) for it alone, or
     * frees it when the reservation is 0. Deploys have checked that all reservations fit.
     */
    public void reserve(FunctionConfig function) {
        capacity.budget().reserve(function.name(), function.reservedMemoryMb());
    }

    /** The node memory budget, for anything else that starts processes (it holds their memory through it). */
    public MemoryBudget memoryBudget() {
        return capacity.budget();
    }

    /**
     * Stops instances of the function's $LATEST — or, when it was deleted, of every version — idle
     * ones now and busy ones when they finish. Published versions never change, so they keep theirs.
     * A deleted function's pools go: calls queued in them fail, and a function created again under
     * its name starts with pools of its own.
     */
    public void retire(String functionName, boolean deleted) {
        if (deleted) {
            capacity.budget().reserve(functionName, 0);
            versionPools.remove(functionName);
            metrics.forget(functionName);
            provisioningShortfalls.remove(functionName);
        }
        pools.forEach((key, pool) -> {
            if (deleted ? key.startsWith(functionName + ":") : key.equals(poolKey(functionName, "$LATEST"))) {
                if (deleted) {
                    pools.remove(key, pool);
                    keepAlive.forget(key);
                }
                pool.retire(deleted);
            }
        });
    }

    /**
     * Only the function's scale changed: its instances go on serving it, and its provisioned
     * minimum is the new one (instances above a lowered one stop after the keep-alive).
     */
    public void rescale(FunctionConfig function) {
        pool(function).rescale(function);
    }

    /** How many instances the function has over all its versions (starting, busy or idle). */
    public int liveInstances(String functionName) {
        return pools.entrySet().stream().filter(e -> e.getKey().startsWith(functionName + ":"))
                .mapToInt(e -> e.getValue().liveInstances()).sum();
    }

    /**
     * One version's instances and its keep-alive, for operators: {@code idle} are ready for a call,
     * {@code initialising} wait for none but are not ready yet, {@code busy} run a call or start for
     * one; the window is {@code keep-alive-seconds} with no pre-warming until {@code learned}.
     */
    public record PoolState(String version, int live, int idle, int initialising, int busy, int waiting,
                            int idleTimesCounted, boolean learned, Duration prewarmAfter, Duration keepUntil) {}

    /**
     * A function's scaling: its pools, whether the node's CPUs are saturated now (scale-out then
     * weighs what an instance adds), the server cgroup's CPU quota that counts for that (cores), and
     * how many of its callers waited for a busy instance for that.
     */
    public record ScalingState(List<PoolState> pools, boolean nodeCpuSaturated, OptionalDouble cpuQuotaCores,
                               long callersHeldForCpu) {}

    public ScalingState scalingState(String functionName) {
        return new ScalingState(poolStates(functionName), cpu.saturated(), cpu.quotaCores(), metrics.heldForCpu(functionName));
    }

    /** The function's pools, $LATEST first (always there, even before its first invocation), then its versions. */
    private List<PoolState> poolStates(String functionName) {
        String prefix = functionName + ":";
        List<String> versions = new ArrayList<>(pools.keySet().stream().filter(key -> key.startsWith(prefix))
                .map(key -> key.substring(prefix.length())).filter(version -> !version.equals("$LATEST"))
                .sorted(Comparator.comparing(String::length).thenComparing(Comparator.naturalOrder())).toList());
        versions.addFirst("$LATEST");
        return versions.stream().map(version -> {
            String key = poolKey(functionName, version);
            FunctionPool.Occupancy occupancy = Optional.ofNullable(pools.get(key)).map(FunctionPool::occupancy)
                    .orElse(new FunctionPool.Occupancy(0, 0, 0, 0));
            KeepAlivePolicy.IdleWindow window = keepAlive.windowFor(key);
            int busy = occupancy.live() - occupancy.idle() - occupancy.initialising();
            return new PoolState(version, occupancy.live(), occupancy.idle(), occupancy.initialising(), busy,
                    occupancy.waiting(), keepAlive.idleTimesCounted(key), keepAlive.learned(key), window.prewarmAfter(),
                    window.keepUntil());
        }).toList();
    }

    /** Scaling counters and live instances per function, in the Prometheus text format. */
    public String prometheusMetrics() {
        Map<String, Integer> live = new TreeMap<>();
        Map<String, Integer> queued = new TreeMap<>();
        pools.forEach((key, pool) -> {
            String function = key.substring(0, key.indexOf(':'));
            live.merge(function, pool.liveInstances(), Integer::sum);
            queued.merge(function, pool.occupancy().waiting(), Integer::sum);
        });
        return metrics.prometheus(live, queued, capacity.budget()) + prewarmMetrics();
    }

    private String prewarmMetrics() {
        PrewarmPool prewarmed = factory.prewarmPool();
        StringBuilder out = new StringBuilder();
        out.append("# HELP aloft_prewarmed_ready Started processes waiting for a function to become, per runtime.\n")
                .append("# TYPE aloft_prewarmed_ready gauge\n");
        prewarmed.readyCounts().forEach((runtime, n) -> out.append("aloft_prewarmed_ready{runtime=\"")
                .append(runtime.id()).append("\"} ").append(n).append('\n'));
        out.append("# HELP aloft_prewarmed_starting Processes for the prewarm pool still starting, per runtime.\n")
                .append("# TYPE aloft_prewarmed_starting gauge\n");
        prewarmed.startingCounts().forEach((runtime, n) -> out.append("aloft_prewarmed_starting{runtime=\"")
                .append(runtime.id()).append("\"} ").append(n).append('\n'));
        out.append("# HELP aloft_prewarmed_taken_total Cold starts that took a prewarmed process, per runtime.\n")
                .append("# TYPE aloft_prewarmed_taken_total counter\n");
        prewarmed.takenCounts().forEach((runtime, n) -> out.append("aloft_prewarmed_taken_total{runtime=\"")
                .append(runtime.id()).append("\"} ").append(n).append('\n'));
        return out.toString();
    }

    private FunctionPool pool(FunctionConfig function) {
        return pools.computeIfAbsent(poolKey(function.name(), function.version()),
                key -> new FunctionPool(function.name(), key, versionPools.computeIfAbsent(function.name(), name -> new VersionPools()),
                        factory, keepAlive, limits.maxParallelStarts(), metrics, capacity, cpu, waker, clock));
    }

    private static String poolKey(String functionName, String version) {
        return functionName + ":" + version;
    }

    private void reapIdle() {
        try {
            for (FunctionPool pool : pools.values()) {
                Instant now = clock.instant();
                int stopped = pool.reap(now);
                // Provisioned instances that died are replaced, off this timer thread.
                pool.provisionedAndShort(now).ifPresent(this::provision);
                if (stopped > 0) {
                    LOG.fine(() -> "stopped " + stopped + " idle instance(s) past the keep-alive");
                }
            }
        } catch (RuntimeException e) {
            LOG.warning("reaping idle instances failed: " + e);
        }
    }

    /**
     * Stops every instance. Invocations still under way (see {@link #drain}) end as crashed with
     * {@code Aloft.ServerStopped}, and their callers record and answer that.
     */
    @Override
    public void close() {
        stopLock.lock();
        try {
            stopPhase = 2;
        } finally {
            stopLock.unlock();
        }
        // A closed pool hands out nothing more, so what its busy instances hold is all there is to cut.
        List<Instance> cut = new ArrayList<>();
        pools.values().forEach(pool -> cut.addAll(pool.close()));
        cut.forEach(Instance::stopForShutdown);
        factory.close();
        pools.values().forEach(pool -> pool.retire(false));
        timers.shutdownNow();
        waker.close();
        saveKeepAlive();
    }
}
