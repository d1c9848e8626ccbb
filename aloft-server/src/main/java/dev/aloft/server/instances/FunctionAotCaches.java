package dev.aloft.server.instances;

import dev.aloft.server.functions.CodeStore;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.Runtime;
import dev.aloft.server.sandbox.LaunchSpec;
import dev.aloft.server.sandbox.Sandbox;
import dev.aloft.server.sandbox.SandboxedProcess;
import dev.aloft.server.store.FileTrees;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Per-function AOT caches (JEP 483/514) for fresh starts of Java functions that start often: one
 * per code sha256 and runtime fingerprint under {@code <data>/aot}, trained in the background once
 * a function has provisioned instances or {@value #FRESH_STARTS_BEFORE_TRAINING} fresh starts. A
 * prewarmed process cannot use one (the function is not on its class path), so only fresh starts do.
 *
 * <p>The JVM caches only classes of the built-in loaders and does not notice changed classes, so
 * the function's code goes on the class path — its loose classes repackaged as {@code task.jar},
 * since the JVM refuses a non-empty directory (see {@link TaskJar}) — and a cache is keyed strictly by the code's hash,
 * which never names other code. The training run is the runtime's {@code FunctionTraining} in the
 * function's own sandbox, where the code is at the path its instances see.
 */
final class FunctionAotCaches implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FunctionAotCaches.class.getName());
    /** Fresh starts after which a function's code is worth a cache: a few, so one-off functions cost nothing. */
    static final int FRESH_STARTS_BEFORE_TRAINING = 3;
    /** Training and assembling the cache take ~10 s of CPU; a minute more under load. */
    private static final Duration TRAINING_TIME_LIMIT = Duration.ofMinutes(3);
    /** The JVM assembles the cache in a child JVM while the training one waits: room for both. */
    private static final int ASSEMBLY_MEMORY_MB = 768;
    private static final String MANIFEST = "manifest";
    /** The loose resources for the training run, in its scratch directory: instances read them from the task root. */
    private static final String RESOURCES_JAR = "task-resources.jar";
    private static final String TRAINING_PREFIX = ".training-";
    private static final int LOGGED_LINES = 20;

    private final Path root;
    private final boolean enabled;
    private final RuntimeCommands commands;
    private final CodeStore codeStore;
    private final Supplier<Set<String>> codeInUse;
    private final Sandbox sandbox;
    private final MemoryBudget budget;
    private final int tmpSizeMb;
    /** The training run's environment: the function's, as a fresh start gets it, for a task root. */
    private final BiFunction<FunctionConfig, String, Map<String, String>> environment;
    private final Map<String, Integer> freshStarts = new ConcurrentHashMap<>();
    /** Keys trained or being trained since startup; a failed one is not retried until a restart. */
    private final Set<String> attempted = ConcurrentHashMap.newKeySet();
    /** One training at a time: each takes a core for several seconds. */
    private final ExecutorService trainer = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("aot-training").daemon().factory());

    /**
     * @param enabled false: no cache is trained or used, and the ones on disk are deleted
     */
    FunctionAotCaches(Path root, boolean enabled, RuntimeCommands commands, CodeStore codeStore, Supplier<Set<String>> codeInUse,
                      Sandbox sandbox, MemoryBudget budget, int tmpSizeMb,
                      BiFunction<FunctionConfig, String, Map<String, String>> environment) {
        this.root = root;
        this.enabled = enabled;
        this.commands = commands;
        this.codeStore = codeStore;
        this.codeInUse = codeInUse;
        this.sandbox = sandbox;
        this.budget = budget;
        this.tmpSizeMb = tmpSizeMb;
        this.environment = environment;
        // Output of a training run a killed server left behind.
        deleteCaches(name -> name.startsWith(TRAINING_PREFIX) || !enabled);
        deleteUnusable();
    }

    /**
     * Deletes caches nothing can use again: of code no function or version runs any more, or of
     * another runtime build (the fingerprint is part of every key). Runs at start and before each
     * training, so the disk they take stays bounded by the code in use.
     */
    private void deleteUnusable() {
        Optional<String> runtime = commands.javaRuntimeFingerprint();
        Set<String> inUse = codeInUse.get();
        deleteCaches(name -> !name.startsWith(TRAINING_PREFIX)
                && (!inUse.contains(name.substring(0, Math.max(0, name.indexOf('-'))))
                    || runtime.isPresent() && !name.endsWith("-" + runtime.get())));
    }

    private void deleteCaches(Predicate<String> byName) {
        try (Stream<Path> entries = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
            entries.filter(p -> byName.test(p.getFileName().toString())).forEach(FileTrees::delete);
        } catch (IOException | UncheckedIOException e) {
            LOG.warning("cannot clean " + root + ": " + e);
        }
    }

    /**
     * The function's trained cache, if there is one for its code and this runtime and it is whole:
     * the manifest is written last and records the cache's size, so a cache still being written, cut
     * short or replaced is not used (the instance then starts with the runtime's cache).
     */
    Optional<FunctionAotCache> current(FunctionConfig function) {
        if (!enabled || function.runtime() != Runtime.JAVA25) {
            return Optional.empty();
        }
        Optional<Path> dir = key(function).map(root::resolve);
        if (dir.isEmpty() || !Files.isRegularFile(dir.get().resolve(MANIFEST))) {
            return Optional.empty();
        }
        try {
            Properties manifest = new Properties();
            try (InputStream in = Files.newInputStream(dir.get().resolve(MANIFEST))) {
                manifest.load(in);
            }
            var cache = new FunctionAotCache(dir.get(), manifest.getProperty("class-path", ""));
            boolean whole = Files.isRegularFile(cache.cache())
                    && Long.toString(Files.size(cache.cache())).equals(manifest.getProperty("cache-bytes"));
            return whole && !cache.classPath().isEmpty() ? Optional.of(cache) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Counts a start of an instance; a function that qualifies gets its cache trained in the background. */
    void noteStart(FunctionConfig function, boolean fresh) {
        if (!enabled || function.runtime() != Runtime.JAVA25) {
            return;
        }
        Optional<String> key = key(function);
        if (key.isEmpty() || attempted.contains(key.get())) {
            return;
        }
        int starts = fresh ? freshStarts.merge(key.get(), 1, Integer::sum) : freshStarts.getOrDefault(key.get(), 0);
        if ((function.minInstances() >= 1 || starts >= FRESH_STARTS_BEFORE_TRAINING) && attempted.add(key.get())) {
            if (current(function).isPresent()) {
                return;
            }
            trainer.execute(() -> train(function, key.get()));
        }
    }

    private Optional<String> key(FunctionConfig function) {
        return commands.javaRuntimeFingerprint().map(runtime -> function.codeSha256() + "-" + runtime);
    }

    private void train(FunctionConfig function, String key) {
        int memoryMb = function.memoryMb() + ASSEMBLY_MEMORY_MB;
        if (!budget.tryReserve(memoryMb)) {
            // The node's memory is the functions'; a later start asks again.
            attempted.remove(key);
            LOG.info("AOT training for " + function.name() + " postponed: " + memoryMb + " MB not free in the budget");
            return;
        }
        Path dir = root.resolve(key);
        Path output = root.resolve(TRAINING_PREFIX + key);
        long started = System.nanoTime();
        try {
            deleteUnusable();
            FileTrees.delete(dir);
            FileTrees.delete(output);
            Files.createDirectories(dir);
            Files.createDirectories(output);
            // Instances read the cache and task.jar as the function's unprivileged user.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path codeDir = codeStore.directory(function.codeSha256());
            String taskRoot = sandbox.taskRoot(codeDir);
            TaskJar.Written jars = TaskJar.write(codeDir, dir.resolve(FunctionAotCache.TASK_JAR), output.resolve(RESOURCES_JAR));
            List<String> shared = classPathStart(codeDir, taskRoot, jars.classJar());
            var cache = new FunctionAotCache(dir, join(shared, Optional.of(taskRoot)));
            String trainingClassPath = join(shared, jars.resourcesJar().map(Path::toString));
            Map<String, String> env = new HashMap<>(environment.apply(function, taskRoot));
            env.put("ALOFT_CODE_ON_CLASS_PATH", "1");
            var spec = new LaunchSpec("aot-" + UUID.randomUUID().toString().substring(0, 8),
                    commands.javaTrainingCommand(function.memoryMb(), trainingClassPath, output.resolve(FunctionAotCache.CACHE)),
                    env, codeDir, commands.runtimeFiles(cache), memoryMb, tmpSizeMb, Optional.of(output));
            List<String> log = run(spec);
            Path trained = output.resolve(FunctionAotCache.CACHE);
            if (!log.isEmpty() && log.getLast().startsWith("exit 0") && Files.isRegularFile(trained)) {
                Files.move(trained, cache.cache(), StandardCopyOption.REPLACE_EXISTING);
                writeManifest(cache);
                LOG.info("AOT cache for " + function.name() + " (code " + function.codeSha256().substring(0, 12) + ") trained in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms: " + cache.cache());
            } else {
                LOG.warning("AOT training for " + function.name() + " failed; its fresh starts keep the runtime's cache. "
                        + "Last output: " + String.join(" | ", log));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning("AOT training for " + function.name() + " failed; its fresh starts keep the runtime's cache: " + e);
        } finally {
            FileTrees.delete(output);
            budget.release(memoryMb);
        }
    }

    /**
     * What the class paths of the training run and of instances have in common, as TaskRoot orders
     * the code: the runtime's jars, task.jar, the code's jars. Instances then get the task root, the
     * training run the resources jar in its place (see TaskJar).
     */
    private List<String> classPathStart(Path codeDir, String taskRoot, Optional<Path> classJar) throws IOException {
        List<String> entries = new ArrayList<>();
        entries.add(commands.javaRuntimeClassPath());
        classJar.ifPresent(jar -> entries.add(jar.toString()));
        TaskJar.codeJars(codeDir).forEach(jar -> entries.add(taskRoot + "/" + jar));
        return entries;
    }

    private static String join(List<String> entries, Optional<String> last) {
        List<String> all = new ArrayList<>(entries);
        last.ifPresent(all::add);
        return String.join(":", all);
    }

    /** Runs the training process to its end; the last line of the result is its exit status. */
    private List<String> run(LaunchSpec spec) {
        SandboxedProcess process = sandbox.launch(spec);
        Deque<String> lines = new ArrayDeque<>();
        List<Thread> drains = List.of(
                drain(process.process().getInputStream(), lines), drain(process.process().getErrorStream(), lines));
        try {
            boolean exited = process.process().waitFor(TRAINING_TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            for (Thread drain : drains) {
                drain.join(Duration.ofSeconds(1));
            }
            synchronized (lines) {
                List<String> result = new ArrayList<>(lines);
                result.add(exited ? "exit " + process.process().exitValue()
                        : "timed out after " + TRAINING_TIME_LIMIT.toSeconds() + " s");
                return result;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("interrupted");
        } finally {
            process.destroy();
        }
    }

    /** A platform thread: a virtual one blocked on a pipe would pin its carrier. */
    private static Thread drain(InputStream output, Deque<String> lines) {
        return Thread.ofPlatform().name("aot-training-output").daemon().start(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    synchronized (lines) {
                        lines.addLast(line);
                        if (lines.size() > LOGGED_LINES) {
                            lines.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // The process is gone; what it said is what there is.
            }
        });
    }

    private static void writeManifest(FunctionAotCache cache) throws IOException {
        Properties manifest = new Properties();
        manifest.setProperty("class-path", cache.classPath());
        manifest.setProperty("cache-bytes", Long.toString(Files.size(cache.cache())));
        Path part = cache.directory().resolve(MANIFEST + ".part");
        try (var out = Files.newOutputStream(part)) {
            manifest.store(out, "per-function AOT cache; written last, after the cache");
        }
        Files.move(part, cache.directory().resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        trainer.shutdownNow();
    }
}
