package dev.aloft.server.instances;

import dev.aloft.server.functions.CodeStore;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.runtimeapi.RuntimeApiServer;
import dev.aloft.server.sandbox.LaunchSpec;
import dev.aloft.server.sandbox.Sandbox;
import dev.aloft.server.sandbox.SandboxedProcess;
import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.LogLine;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;

/** Starts instances: the process, its Lambda environment, its sandbox and its log pumps. */
final class InstanceFactory {

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

    InstanceFactory(Sandbox sandbox, RuntimeApiServer runtimeApi, RuntimeCommands commands, CodeStore codeStore,
                    BatchWriter<LogLine> logWriter, ScheduledExecutorService timers, InstantSource clock, Duration initTimeout,
                    int tmpSizeMb, String region) {
        this.sandbox = sandbox;
        this.runtimeApi = runtimeApi;
        this.commands = commands;
        this.codeStore = codeStore;
        this.logWriter = logWriter;
        this.timers = timers;
        this.clock = clock;
        this.initTimeout = initTimeout;
        this.tmpSizeMb = tmpSizeMb;
        this.region = region;
    }

    Instance start(FunctionConfig function, long generation) {
        String instanceId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        Instance instance = new Instance(instanceId, function, generation, timers, runtimeApi);
        String endpoint = instance.register();
        Path codeDir = codeStore.directory(function.codeSha256());
        String taskRoot = sandbox.taskRoot(codeDir);
        LaunchSpec spec = new LaunchSpec(instanceId, commands.command(function, taskRoot),
                environment(function, instanceId, endpoint, taskRoot), codeDir, commands.runtimeFiles(function),
                function.memoryMb(), tmpSizeMb);
        SandboxedProcess process;
        try {
            process = sandbox.launch(spec);
        } catch (RuntimeException e) {
            instance.unregister();
            throw e;
        }
        Process child = process.process();
        List<LogPump> pumps = List.of(
                LogPump.start(instance, child, 1, child.getInputStream(), "stdout", logWriter, clock),
                LogPump.start(instance, child, 2, child.getErrorStream(), "stderr", logWriter, clock));
        instance.attach(process, pumps, initTimeout);
        return instance;
    }

    /** The standard Lambda environment; real runtime clients refuse to start without parts of it. */
    private Map<String, String> environment(FunctionConfig function, String instanceId, String endpoint, String taskRoot) {
        Map<String, String> env = new HashMap<>(function.environment());
        env.put("AWS_LAMBDA_RUNTIME_API", endpoint);
        env.put("_HANDLER", function.handler());
        env.put("LAMBDA_TASK_ROOT", taskRoot);
        env.put("LAMBDA_RUNTIME_DIR", taskRoot);
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.name());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", function.version());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.name());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", LOG_STREAM_DATE.format(clock.instant()) + "/[" + function.version() + "]" + instanceId);
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        env.put("AWS_EXECUTION_ENV", RuntimeCommands.executionEnv(function));
        env.put("AWS_REGION", region);
        env.put("AWS_DEFAULT_REGION", region);
        env.put("TZ", ":UTC");
        env.put("LANG", "en_US.UTF-8");
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        return env;
    }
}
