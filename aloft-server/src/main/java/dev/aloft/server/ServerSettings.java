package dev.aloft.server;

import dev.aloft.server.functions.Runtime;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every server setting, declared once: key, environment variable, default and doc. Values come
 * from explicit overrides (CLI flags), then the environment, then the default; a bad value fails
 * at startup with a message naming the setting.
 */
public record ServerSettings(
        String host,
        int port,
        Path dataDir,
        Duration keepAlive,
        Duration queueWait,
        Duration initTimeout,
        int tmpSizeMb,
        boolean sandboxRequired,
        int ledgerPayloadBytes,
        Duration ledgerRetention,
        int ledgerMaxRecords,
        int asyncWorkers,
        int asyncQueueMax,
        Duration asyncRetryBase,
        Duration idempotencyWindow,
        int maxParallelStarts,
        int memoryBudgetMb,
        Map<Runtime, Integer> prewarm,
        int prewarmMemoryMb,
        boolean javaFunctionAot,
        Duration stopGrace,
        int cpuSaturatedIdlePercent,
        Duration idleConnection) {

    public ServerSettings {
        prewarm = Map.copyOf(prewarm);
    }

    /** One declared setting. */
    public record Setting(String key, String envVar, String defaultValue, String doc) {}

    /** Memory left to the server itself, the OS and everything else when the budget is defaulted. */
    private static final long BUDGET_HEADROOM_MB = 512;

    public static final List<Setting> SETTINGS = List.of(
            new Setting("host", "ALOFT_HOST", "127.0.0.1", "address the HTTP server binds to"),
            new Setting("port", "ALOFT_PORT", "8080", "HTTP port (0 picks a free one)"),
            new Setting("data", "ALOFT_DATA", ".aloft", "data directory: SQLite store, code, credential"),
            new Setting("keep-alive-seconds", "ALOFT_KEEP_ALIVE_SECONDS", "300",
                    "idle instances stop after this long (scale to zero), until Aloft learns the function's idle times"),
            new Setting("queue-wait-ms", "ALOFT_QUEUE_WAIT_MS", "10000",
                    "how long a request waits for a free instance before 429"),
            new Setting("init-timeout-seconds", "ALOFT_INIT_TIMEOUT_SECONDS", "10",
                    "longest a new instance may take to become ready"),
            new Setting("tmp-size-mb", "ALOFT_TMP_SIZE_MB", "64", "size of each instance's private /tmp"),
            new Setting("sandbox-required", "ALOFT_SANDBOX_REQUIRED", "false",
                    "refuse to start unless every sandbox protection is available"),
            new Setting("ledger-payload-bytes", "ALOFT_LEDGER_PAYLOAD_BYTES", "65536",
                    "input and output kept per invocation record (0 keeps none)"),
            new Setting("ledger-retention-hours", "ALOFT_LEDGER_RETENTION_HOURS", "168",
                    "invocation records and log lines older than this are pruned"),
            new Setting("ledger-max-records", "ALOFT_LEDGER_MAX_RECORDS", "100000",
                    "at most this many invocation records are kept (oldest pruned first)"),
            new Setting("async-workers", "ALOFT_ASYNC_WORKERS", "16",
                    "asynchronous events delivered in parallel (at most half of them wait for one function's instances)"),
            new Setting("async-queue-max", "ALOFT_ASYNC_QUEUE_MAX", "100000",
                    "asynchronous events waiting at most; beyond it submissions get 429"),
            new Setting("async-retry-base-ms", "ALOFT_ASYNC_RETRY_BASE_MS", "1000",
                    "first retry delay of a failed async event; doubles per attempt, with jitter"),
            new Setting("idempotency-window-seconds", "ALOFT_IDEMPOTENCY_WINDOW_SECONDS", "3600",
                    "a repeated idempotency key within this window returns the first invocation id"),
            new Setting("max-parallel-starts", "ALOFT_MAX_PARALLEL_STARTS", Integer.toString(defaultMaxParallelStarts()),
                    "instances of one function starting at once (a start is CPU-bound); default: the CPUs"),
            new Setting("memory-budget-mb", "ALOFT_MEMORY_BUDGET_MB", Long.toString(defaultMemoryBudgetMb()),
                    "memory all live instances hold together (each its memoryMb); default: 75% of RAM minus "
                            + BUDGET_HEADROOM_MB + " MB"),
            new Setting("prewarm", "ALOFT_PREWARM", "nodejs20=1,python3=1,java25=1",
                    "processes per runtime started ahead for cold starts to take ('none' for no pool)"),
            new Setting("prewarm-memory-mb", "ALOFT_PREWARM_MEMORY_MB", "256",
                    "memory size of the prewarmed processes kept always; cold starts teach the pool other sizes"),
            new Setting("java-function-aot", "ALOFT_JAVA_FUNCTION_AOT", "true",
                    "AOT caches of their own for Java functions that often start fresh (classes then load from a jar)"),
            new Setting("stop-grace-seconds", "ALOFT_STOP_GRACE_SECONDS", "20",
                    "on stop, how long invocations under way may finish before their instances are stopped"),
            new Setting("cpu-saturated-idle-percent", "ALOFT_CPU_SATURATED_IDLE_PERCENT", "10",
                    "CPUs (or cgroup quota) saturated below this idle %: scale out only while it adds throughput (0 never, 100 always)"),
            // Longer than the 60 s the AWS SDK for Java's HTTP clients keep an idle connection, so
            // they drop it first and rarely reuse one the server is closing. At least
            // 2: Helidon stamps a connection's last request with a clock that ticks about once a
            // second, so a 1 s timeout could close a connection in use.
            new Setting("idle-connection-seconds", "ALOFT_IDLE_CONNECTION_SECONDS", "75",
                    "a client connection with no request for this long is closed (it counts against the connection cap)"));

    /**
     * Resolves every setting from overrides (by key), then the environment (by variable), then
     * the default.
     *
     * @throws AloftException naming the setting when a value is invalid
     */
    public static ServerSettings resolve(Map<String, String> overrides, Map<String, String> environment) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting setting : SETTINGS) {
            String value = overrides.getOrDefault(setting.key(),
                    environment.getOrDefault(setting.envVar(), setting.defaultValue()));
            values.put(setting.key(), value);
        }
        for (String key : overrides.keySet()) {
            if (!values.containsKey(key)) {
                throw AloftException.invalid("unknown setting '" + key + "'; known settings: "
                        + SETTINGS.stream().map(Setting::key).toList());
            }
        }
        return new ServerSettings(
                values.get("host"),
                parse(values, "port", Integer::parseInt, 0, 65535),
                Path.of(values.get("data")).toAbsolutePath().normalize(),
                Duration.ofSeconds(parse(values, "keep-alive-seconds", Integer::parseInt, 1, 86_400)),
                Duration.ofMillis(parse(values, "queue-wait-ms", Integer::parseInt, 0, 900_000)),
                Duration.ofSeconds(parse(values, "init-timeout-seconds", Integer::parseInt, 1, 600)),
                parse(values, "tmp-size-mb", Integer::parseInt, 1, 10_240),
                parseBoolean(values, "sandbox-required"),
                parse(values, "ledger-payload-bytes", Integer::parseInt, 0, 6 * 1024 * 1024),
                Duration.ofHours(parse(values, "ledger-retention-hours", Integer::parseInt, 1, 24 * 366)),
                parse(values, "ledger-max-records", Integer::parseInt, 100, 100_000_000),
                parse(values, "async-workers", Integer::parseInt, 1, 1024),
                parse(values, "async-queue-max", Integer::parseInt, 1, 100_000_000),
                Duration.ofMillis(parse(values, "async-retry-base-ms", Integer::parseInt, 1, 3_600_000)),
                Duration.ofSeconds(parse(values, "idempotency-window-seconds", Integer::parseInt, 1, 7 * 86_400)),
                parse(values, "max-parallel-starts", Integer::parseInt, 1, 1000),
                parse(values, "memory-budget-mb", Integer::parseInt, 128, Integer.MAX_VALUE),
                parsePrewarm(values.get("prewarm")),
                parse(values, "prewarm-memory-mb", Integer::parseInt, 128, 10_240),
                parseBoolean(values, "java-function-aot"),
                Duration.ofSeconds(parse(values, "stop-grace-seconds", Integer::parseInt, 0, 3600)),
                parse(values, "cpu-saturated-idle-percent", Integer::parseInt, 0, 100),
                Duration.ofSeconds(parse(values, "idle-connection-seconds", Integer::parseInt, 2, 86_400)));
    }

    /** "nodejs20=1,python3=2" (or "none"): processes to keep per runtime. */
    private static Map<Runtime, Integer> parsePrewarm(String raw) {
        Map<Runtime, Integer> counts = new EnumMap<>(Runtime.class);
        if (raw.isBlank() || raw.trim().equals("none")) {
            return counts;
        }
        for (String entry : raw.split(",")) {
            String[] parts = entry.trim().split("=", 2);
            String example = "e.g. nodejs20=1,python3=1 or none";
            if (parts.length != 2) {
                throw AloftException.invalid("setting 'prewarm' wants RUNTIME=COUNT pairs, " + example + "; got '" + entry.trim() + "'");
            }
            Runtime runtime = Runtime.fromId(parts[0].trim());
            if (runtime == Runtime.PROVIDED) {
                throw AloftException.invalid("setting 'prewarm': a provided runtime's bootstrap is the function's own code, "
                        + "so it cannot be started before the function is known; " + example);
            }
            int count = parse(Map.of("prewarm", parts[1]), "prewarm", Integer::parseInt, 0, 64);
            if (counts.put(runtime, count) != null) {
                throw AloftException.invalid("setting 'prewarm' names " + runtime.id() + " twice; give each runtime one count, " + example);
            }
        }
        return counts;
    }

    /** Defaults everywhere but the data directory and port; what tests and embedders start from. */
    public static ServerSettings defaults(Path dataDir, int port) {
        return resolve(Map.of("data", dataDir.toString(), "port", Integer.toString(port)), Map.of());
    }

    /** A copy with {@code key} set to {@code value}, validated like any other source. */
    public ServerSettings with(String key, String value) {
        Map<String, String> overrides = new LinkedHashMap<>(asOverrides());
        overrides.put(key, value);
        return resolve(overrides, Map.of());
    }

    private Map<String, String> asOverrides() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("host", host);
        values.put("port", Integer.toString(port));
        values.put("data", dataDir.toString());
        values.put("keep-alive-seconds", Long.toString(keepAlive.toSeconds()));
        values.put("queue-wait-ms", Long.toString(queueWait.toMillis()));
        values.put("init-timeout-seconds", Long.toString(initTimeout.toSeconds()));
        values.put("tmp-size-mb", Integer.toString(tmpSizeMb));
        values.put("sandbox-required", Boolean.toString(sandboxRequired));
        values.put("ledger-payload-bytes", Integer.toString(ledgerPayloadBytes));
        values.put("ledger-retention-hours", Long.toString(ledgerRetention.toHours()));
        values.put("ledger-max-records", Integer.toString(ledgerMaxRecords));
        values.put("async-workers", Integer.toString(asyncWorkers));
        values.put("async-queue-max", Integer.toString(asyncQueueMax));
        values.put("async-retry-base-ms", Long.toString(asyncRetryBase.toMillis()));
        values.put("idempotency-window-seconds", Long.toString(idempotencyWindow.toSeconds()));
        values.put("max-parallel-starts", Integer.toString(maxParallelStarts));
        values.put("memory-budget-mb", Integer.toString(memoryBudgetMb));
        values.put("prewarm", prewarm.isEmpty() ? "none" : prewarm.entrySet().stream()
                .map(e -> e.getKey().id() + "=" + e.getValue()).collect(Collectors.joining(",")));
        values.put("prewarm-memory-mb", Integer.toString(prewarmMemoryMb));
        values.put("java-function-aot", Boolean.toString(javaFunctionAot));
        values.put("stop-grace-seconds", Long.toString(stopGrace.toSeconds()));
        values.put("cpu-saturated-idle-percent", Integer.toString(cpuSaturatedIdlePercent));
        values.put("idle-connection-seconds", Long.toString(idleConnection.toSeconds()));
        return values;
    }

    /**
     * The CPUs the JVM may use (a container's CPU limit included). A runtime's start is CPU-bound,
     * so more at once only slow each other: a 200-request burst at a Node.js hello function on 2
     * cores took 1.8-3.0 s on 13-26 instances with 8 at once, 0.9-1.35 s on 5-7 with 2; a burst at
     * one sleeping 500 ms took as long either way (bench/HISTORY.md, round 15).
     */
    static int defaultMaxParallelStarts() {
        return java.lang.Runtime.getRuntime().availableProcessors();
    }

    /**
     * 75% of the machine's (or container's) physical memory minus headroom for the server, so
     * instances at their limits cannot push the host into swapping or the OOM killer; at least 256 MB.
     */
    static long defaultMemoryBudgetMb() {
        long physicalMb = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() / (1024 * 1024);
        return Math.min(Integer.MAX_VALUE, Math.max(256, physicalMb * 3 / 4 - BUDGET_HEADROOM_MB));
    }

    private static int parse(Map<String, String> values, String key, Function<String, Integer> parser, int min, int max) {
        String raw = values.get(key);
        int value;
        try {
            value = parser.apply(raw.trim());
        } catch (NumberFormatException e) {
            throw AloftException.invalid("setting '" + key + "' must be a whole number, got '" + raw + "'");
        }
        if (value < min || value > max) {
            throw AloftException.invalid("setting '" + key + "' must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private static boolean parseBoolean(Map<String, String> values, String key) {
        String raw = values.get(key).trim();
        if (!raw.equals("true") && !raw.equals("false")) {
            throw AloftException.invalid("setting '" + key + "' must be true or false, got '" + raw + "'");
        }
        return Boolean.parseBoolean(raw);
    }
}
