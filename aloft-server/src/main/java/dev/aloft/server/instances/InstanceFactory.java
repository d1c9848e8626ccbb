package dev.aloft.server.instances;

import dev.aloft.server.functions.CodeStore;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.Runtime;
import dev.aloft.server.runtimeapi.RuntimeApiServer;
import dev.aloft.server.sandbox.LaunchSpec;
import dev.aloft.server.sandbox.Sandbox;
import dev.aloft.server.sandbox.SandboxedProcess;
import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.LogLine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Starts instances: the process, its Lambda environment, its sandbox and its log pumps. Keeps the
 * pool of prewarmed processes that cold starts take when they can.
 */
final class InstanceFactory implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(InstanceFactory.class.getName());
    private static final DateTimeFormatter LOG_STREAM_DATE = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);

    private final Sandbox sandbox;
    private final RuntimeApiServer runtimeApi;
    private final RuntimeCommands commands;
    private final CodeStore codeStore;
    private final BatchWriter<LogLine> logWriter;
    private final ScheduledExecutorService timers;
    private final InstantSource clock;
    private final Duration initTimeout;
    private final int tmpSizeMb;
    private final String region;
    private final PrewarmPool prewarmPool;
    private final FunctionAotCaches aotCaches;

    InstanceFactory(Sandbox sandbox, RuntimeApiServer runtimeApi, RuntimeCommands commands, CodeStore codeStore,
                    Supplier<Set<String>> codeInUse, BatchWriter<LogLine> logWriter, ScheduledExecutorService timers, InstantSource clock,
                    InstanceScheduler.Limits limits, MemoryBudget budget) {
        this.sandbox = sandbox;
        this.runtimeApi = runtimeApi;
        this.commands = commands;
        this.codeStore = codeStore;
        this.logWriter = logWriter;
        this.timers = timers;
        this.clock = clock;
        this.initTimeout = limits.initTimeout();
        this.tmpSizeMb = limits.tmpSizeMb();
        this.region = limits.region();
        this.prewarmPool = new PrewarmPool(limits.prewarm(), limits.prewarmMemoryMb(), this::prewarm, budget, timers,
                initTimeout);
        // The training run gets the function's environment; it never reaches the Runtime API.
        this.aotCaches = new FunctionAotCaches(codeStore.root().resolveSibling("aot"), limits.javaFunctionAot(), commands,
                codeStore, codeInUse, sandbox, budget, tmpSizeMb, (function, taskRoot) -> environment(function, "aot-training", "127.0.0.1:0/aot-training", taskRoot));
    }

    /** Starts keeping prewarmed processes. */
    void startPrewarming() {
        prewarmPool.start();
    }

    PrewarmPool prewarmPool() {
        return prewarmPool;
    }

    /**
     * Starts an instance of {@code function}: a prewarmed process bound to it when one fits, else a
     * fresh process.
     */
    Instance start(FunctionConfig function, long generation) {
        if (RuntimeCommands.bindable(function)) {
            Optional<Prewarmed> cell = prewarmPool.take(function.runtime(), function.memoryMb());
            if (cell.isPresent()) {
                try {
                    Instance instance = bind(cell.get(), function, generation);
                    aotCaches.noteStart(function, false);
                    return instance;
                } catch (IOException | RuntimeException e) {
                    LOG.warning("binding " + cell.get() + " to " + function.name() + " failed, starting afresh: " + e);
                    cell.get().retire();
                }
            }
        }
        Instance instance = startFresh(function, generation);
        aotCaches.noteStart(function, true);
        return instance;
    }

    private Instance startFresh(FunctionConfig function, long generation) {
        String instanceId = newInstanceId();
        Instance instance = new Instance(instanceId, function, generation, timers);
        RuntimeApiServer.Registration registration = runtimeApi.register(instance);
        String endpoint = registration.endpoint();
        Path codeDir = codeStore.directory(function.codeSha256());
        String taskRoot = sandbox.taskRoot(codeDir);
        Map<String, String> env = environment(function, instanceId, endpoint, taskRoot);
        Optional<FunctionAotCache> aotCache = aotCaches.current(function);
        // A Java function with its own trained cache starts with its code on the class path that cache records.
        aotCache.ifPresent(cache -> env.put("ALOFT_CODE_ON_CLASS_PATH", "1"));
        LaunchSpec spec = new LaunchSpec(instanceId,
                aotCache.map(cache -> commands.javaCommand(function.memoryMb(), cache))
                        .orElseGet(() -> commands.command(function.runtime(), function.memoryMb(), taskRoot)),
                env, codeDir, aotCache.map(commands::runtimeFiles).orElseGet(() -> commands.runtimeFiles(function.runtime())),
                function.memoryMb(), tmpSizeMb);
        SandboxedProcess process;
        try {
            process = sandbox.launch(spec);
        } catch (RuntimeException e) {
            runtimeApi.unregister(registration);
            throw e;
        }
        instance.attach(new RuntimeProcess(process, startPumps(instanceId, process.process()), runtimeApi, registration),
                Optional.empty(), initTimeout);
        return instance;
    }

    /**
     * The prewarmed process becomes the instance: the code appears in its slot, its Runtime API
     * endpoint and output now belong to the instance, and its bootstrap gets the environment.
     */
    private Instance bind(Prewarmed cell, FunctionConfig function, long generation) throws IOException {
        codeStore.fill(cell.slot(), function.codeSha256());
        Instance instance = new Instance(cell.id(), function, generation, timers);
        instance.attach(cell.process(), Optional.of(cell), initTimeout);
        if (!cell.bind(environment(function, cell.id(), cell.process().endpoint(), sandbox.taskRoot(cell.slot())))) {
            throw new IllegalStateException(cell + " was retired before it could be bound");
        }
        return instance;
    }

    /** Starts a process of {@code runtime} that waits, in its sandbox, for the function it will become. */
    private Prewarmed prewarm(Runtime runtime, int memoryMb) {
        String instanceId = newInstanceId();
        Path slot = codeStore.newSlot(instanceId);
        Prewarmed cell = new Prewarmed(instanceId, runtime, memoryMb, slot);
        RuntimeApiServer.Registration registration = runtimeApi.register(cell);
        String taskRoot = sandbox.taskRoot(slot);
        Map<String, String> env = platformEnvironment(runtime, registration.endpoint(), taskRoot);
        env.put("ALOFT_BIND", "1");
        LaunchSpec spec = new LaunchSpec(instanceId, commands.command(runtime, memoryMb, taskRoot), env, slot,
                commands.runtimeFiles(runtime), memoryMb, tmpSizeMb);
        SandboxedProcess process;
        try {
            process = sandbox.launch(spec);
        } catch (RuntimeException e) {
            runtimeApi.unregister(registration);
            CodeStore.removeSlot(slot);
            throw e;
        }
        cell.attach(process, startPumps(instanceId, process.process()), runtimeApi, registration);
        return cell;
    }

    private List<LogPump> startPumps(String instanceId, Process child) {
        return List.of(
                LogPump.start(instanceId, child, 1, child.getInputStream(), "stdout", logWriter, clock),
                LogPump.start(instanceId, child, 2, child.getErrorStream(), "stderr", logWriter, clock));
    }

    private static String newInstanceId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** The standard Lambda environment; real runtime clients refuse to start without parts of it. */
    private Map<String, String> environment(FunctionConfig function, String instanceId, String endpoint, String taskRoot) {
        Map<String, String> env = new HashMap<>(function.environment());
        env.putAll(platformEnvironment(function.runtime(), endpoint, taskRoot));
        env.put("_HANDLER", function.handler());
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.name());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", function.version());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.name());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", LOG_STREAM_DATE.format(clock.instant()) + "/[" + function.version() + "]" + instanceId);
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        return env;
    }

    /** The part of the environment that does not depend on the function: all a prewarmed process starts with. */
    private Map<String, String> platformEnvironment(Runtime runtime, String endpoint, String taskRoot) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_LAMBDA_RUNTIME_API", endpoint);
        env.put("LAMBDA_TASK_ROOT", taskRoot);
        env.put("LAMBDA_RUNTIME_DIR", taskRoot);
        env.put("AWS_EXECUTION_ENV", RuntimeCommands.executionEnv(runtime));
        env.put("AWS_REGION", region);
        env.put("AWS_DEFAULT_REGION", region);
        env.put("TZ", ":UTC");
        env.put("LANG", "en_US.UTF-8");
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        return env;
    }

    @Override
    public void close() {
        aotCaches.close();
        prewarmPool.close();
    }
}
