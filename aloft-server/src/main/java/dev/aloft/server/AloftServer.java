package dev.aloft.server;

import dev.aloft.server.auth.AccessKeyStore;
import dev.aloft.server.edge.EdgeServer;
import dev.aloft.server.events.ScheduleRunner;
import dev.aloft.server.functions.CodeStore;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.functions.FunctionVersions;
import dev.aloft.server.instances.InstanceScheduler;
import dev.aloft.server.instances.RuntimeCommands;
import dev.aloft.server.invocations.AsyncInvoker;
import dev.aloft.server.invocations.InvocationLedger;
import dev.aloft.server.invocations.InvocationMetrics;
import dev.aloft.server.invocations.Invoker;
import dev.aloft.server.runtimeapi.RuntimeApiServer;
import dev.aloft.server.sandbox.Sandbox;
import dev.aloft.server.sandbox.SandboxSettings;
import dev.aloft.server.sandbox.Sandboxes;
import dev.aloft.server.store.Database;
import dev.aloft.server.store.LogStore;
import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.LogLine;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.time.zone.ZoneRulesProvider;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A running Aloft node: edge, runtime API, scheduler and store, wired together. */
public final class AloftServer implements AutoCloseable {

    /** Held so the level sticks: JUL keeps loggers only weakly. Helidon's INFO lines are noise here. */
    private static final Logger HELIDON_LOG = Logger.getLogger("io.helidon");
    private static final Logger LOG = Logger.getLogger(AloftServer.class.getName());
    /** The region functions see in AWS_REGION and events carry; one node is one region. */
    public static final String REGION = "us-east-1";

    private final Database database;
    private final BatchWriter<LogLine> logWriter;
    private final InvocationLedger ledger;
    private final AsyncInvoker asyncInvoker;
    private final ScheduleRunner schedules;
    private final ScheduledExecutorService maintenance;
    private final RuntimeApiServer runtimeApi;
    private final InstanceScheduler scheduler;
    private final EdgeServer edge;
    private final AccessKeyStore accessKeys;
    private final String adminToken;
    private final List<String> startupReport;
    private final Duration stopGrace;

    private AloftServer(Database database, BatchWriter<LogLine> logWriter, InvocationLedger ledger,
                        AsyncInvoker asyncInvoker, ScheduleRunner schedules, ScheduledExecutorService maintenance, RuntimeApiServer runtimeApi, InstanceScheduler scheduler,
                        EdgeServer edge, AccessKeyStore accessKeys, String adminToken, List<String> startupReport,
                        Duration stopGrace) {
        this.database = database;
        this.logWriter = logWriter;
        this.ledger = ledger;
        this.asyncInvoker = asyncInvoker;
        this.schedules = schedules;
        this.maintenance = maintenance;
        this.runtimeApi = runtimeApi;
        this.scheduler = scheduler;
        this.edge = edge;
        this.accessKeys = accessKeys;
        this.adminToken = adminToken;
        this.startupReport = List.copyOf(startupReport);
        this.stopGrace = stopGrace;
    }

    /** Starts a node; returns once it accepts requests. */
    public static AloftServer start(ServerSettings settings) {
        return start(settings, InstantSource.system());
    }

    /** Starts a node whose schedules, ledger and keep-alive read {@code clock} (tests move it). */
    public static AloftServer start(ServerSettings settings, InstantSource clock) {
        HELIDON_LOG.setLevel(Level.WARNING);
        // Read now, while file descriptors are plentiful: java.time opens tzdb.dat on first use, and
        // a first use that fails (a connection flood took every descriptor) breaks every time zone
        // for the JVM's life, the log's formatter included, so no warning was ever printed again.
        ZoneRulesProvider.getAvailableZoneIds();
        Path data = settings.dataDir();
        createPrivateDirectory(data);
        String adminToken = adminToken(data.resolve("admin-token"));
        Database database = Database.open(data.resolve("aloft.db"));
        CodeStore codeStore = new CodeStore(data.resolve("code"));
        FunctionRegistry registry = new FunctionRegistry(database, codeStore, clock, settings.memoryBudgetMb());
        LogStore logStore = new LogStore(database);
        BatchWriter<LogLine> logWriter = new BatchWriter<>("log-writer", logStore::append);
        Sandbox sandbox = Sandboxes.detect(new SandboxSettings(data.resolve("sandbox"), List.of(data),
                SandboxSettings.NOBODY, SandboxSettings.NOBODY,
                settings.sandboxRequired() ? SandboxSettings.Isolation.REQUIRED : SandboxSettings.Isolation.BEST_EFFORT));
        RuntimeApiServer runtimeApi = RuntimeApiServer.start();
        InstanceScheduler scheduler = new InstanceScheduler(sandbox, runtimeApi, new RuntimeCommands(aloftHome()), codeStore,
                registry::codeInUse, logWriter, database, clock, new InstanceScheduler.Limits(settings.keepAlive(), settings.queueWait(),
                settings.initTimeout(), settings.tmpSizeMb(), REGION, settings.maxParallelStarts(),
                settings.memoryBudgetMb(), settings.prewarm(), settings.prewarmMemoryMb(),
                settings.javaFunctionAot(), settings.cpuSaturatedIdlePercent()));
        registry.onChange(change -> {
            if (change.scalingOnly()) {
                registry.find(change.name()).ifPresent(scheduler::rescale);
            } else {
                scheduler.retire(change.name(), change.deleted());
            }
            registry.find(change.name()).ifPresent(scheduler::reserve);
            registry.find(change.name()).filter(f -> f.minInstances() > 0).ifPresent(scheduler::provision);
        });
        List<FunctionConfig> deployed = registry.list();
        deployed.forEach(scheduler::reserve);
        warnIfGuaranteesExceed(deployed, settings.memoryBudgetMb());
        deployed.stream().filter(f -> f.minInstances() > 0).forEach(scheduler::provision);
        FunctionVersions versions = new FunctionVersions(registry, database, clock);
        InvocationLedger ledger = new InvocationLedger(database);
        InvocationMetrics invocationMetrics = new InvocationMetrics();
        Invoker invoker = new Invoker(versions, scheduler, ledger, clock, settings.ledgerPayloadBytes(), invocationMetrics);
        AsyncInvoker asyncInvoker = new AsyncInvoker(registry, versions, scheduler, ledger, clock, invocationMetrics,
                new AsyncInvoker.Limits(settings.asyncWorkers(), settings.asyncQueueMax(), settings.asyncRetryBase(),
                        settings.idempotencyWindow(), settings.ledgerPayloadBytes(), settings.initTimeout().plusSeconds(30)));
        ScheduleRunner schedules = new ScheduleRunner(database, registry, versions, asyncInvoker, clock, REGION);
        registry.onChange(change -> {
            if (change.deleted()) {
                schedules.functionDeleted(change.name());
                invocationMetrics.forget(change.name());
            }
        });
        AccessKeyStore accessKeys = new AccessKeyStore(database, data, clock);
        long maxFileDescriptors = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : -1;
        int edgeConnections = EdgeServer.connectionLimit(maxFileDescriptors);
        EdgeServer edge = EdgeServer.start(settings.host(), settings.port(), edgeConnections, settings.idleConnection(),
                new EdgeServer.Parts(registry, invoker, asyncInvoker, ledger, schedules, versions, logStore, logWriter,
                        accessKeys, adminToken, clock, () -> scheduler.prometheusMetrics() + invocationMetrics.prometheus(),
                        scheduler::scalingState));
        asyncInvoker.start();
        schedules.start();
        ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("maintenance").daemon().factory());
        maintenance.scheduleWithFixedDelay(() -> prune(ledger, logStore, clock, settings), 1, 60, TimeUnit.SECONDS);
        List<String> report = new ArrayList<>();
        report.add("data directory: " + data);
        report.add(ServerAotCache.describe(ManagementFactory.getRuntimeMXBean().getInputArguments(),
                System.getProperty("java.vm.info", "")));
        if (edgeConnections > 0) {
            report.add("connections: at most " + edgeConnections + " open at once (half of the " + maxFileDescriptors
                    + " file descriptors this process may have); more wait to be accepted; one idle for "
                    + settings.idleConnection().toSeconds() + " s is closed");
        }
        sandbox.protections().forEach(line -> report.add("sandbox: " + line));
        return new AloftServer(database, logWriter, ledger, asyncInvoker, schedules, maintenance, runtimeApi, scheduler, edge,
                accessKeys, adminToken, report, settings.stopGrace());
    }

    /** Where Aloft's own files are (runtimes, the Java runtime's jars, examples). */
    public static Path aloftHome() {
        return Path.of(System.getProperty("aloft.home", ".")).toAbsolutePath().normalize();
    }

    /** e.g. http://127.0.0.1:8080 */
    public URI baseUrl() {
        return edge.baseUrl();
    }

    /** The admin bearer token (also in {@code <data>/admin-token}, mode 0600). */
    public String adminToken() {
        return adminToken;
    }

    /** The access keys that sign requests to the Lambda API and the native API (SigV4). */
    public AccessKeyStore accessKeys() {
        return accessKeys;
    }

    /** Lines telling which limits and protections this host enforces. */
    public List<String> startupReport() {
        return startupReport;
    }

    /** How many instances a function has right now (starting, busy or idle). */
    public int liveInstances(String functionName) {
        return scheduler.liveInstances(functionName);
    }

    /**
     * Stops in order: no new work (schedules, async claims, and 503 for new invocations), then up
     * to {@code stop-grace-seconds} for invocations under way, then the instances, then the listeners and
     * the store, so every answered invocation has its record.
     */
    @Override
    public void close() {
        schedules.close();
        asyncInvoker.stopClaiming();
        int cut = scheduler.drain(stopGrace);
        if (cut > 0) {
            LOG.warning(cut + " invocation(s) still running after " + stopGrace.toSeconds() + " s (stop-grace-seconds) are stopped");
        }
        // Async deliveries first: interrupted, their events stay queued for the next start. Synchronous
        // ones are cut by the scheduler, and their callers record and answer that while the edge is up.
        asyncInvoker.close();
        scheduler.close();
        edge.close();
        maintenance.shutdownNow();
        runtimeApi.close();
        logWriter.close();
        ledger.close();
        database.close();
    }

    /**
     * Deploys check that what functions keep (provisioned instances, reservations) fits the budget;
     * a restart with a smaller budget can break that, and deploys cannot see it then.
     */
    private static void warnIfGuaranteesExceed(List<FunctionConfig> functions, long budgetMb) {
        long keptMb = functions.stream().mapToLong(FunctionConfig::guaranteedMemoryMb).sum();
        if (keptMb > budgetMb) {
            LOG.warning("the deployed functions keep " + keptMb + " MB (minInstances or reserved concurrency × memoryMb) but "
                    + "memory-budget-mb is " + budgetMb + ": some provisioned instances will not start and reservations "
                    + "cannot all be honoured; raise memory-budget-mb or lower those functions' minInstances or reservations");
        }
    }

    /** Retention: records and log lines past their age, and records past the size bound. */
    private static void prune(InvocationLedger ledger, LogStore logStore, InstantSource clock, ServerSettings settings) {
        try {
            var cutoff = clock.instant().minus(settings.ledgerRetention());
            ledger.prune(cutoff, settings.ledgerMaxRecords());
            logStore.pruneBefore(cutoff);
        } catch (AloftException e) {
            LOG.warning("pruning the ledger failed: " + e.getMessage());
        }
    }

    private static void createPrivateDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new AloftException(500, "ServiceException", "cannot create the data directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads the admin token, generating it (mode 0600) on first start. */
    private static String adminToken(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file).trim();
            }
            byte[] bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            String token = "aloft_" + HexFormat.of().formatHex(bytes);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, token + "\n");
            return token;
        } catch (IOException e) {
            throw new AloftException(500, "ServiceException", "cannot read or create the admin token " + file + ": " + e.getMessage(), e);
        }
    }
}
