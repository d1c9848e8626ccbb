package dev.aloft.server.instances;

import dev.aloft.server.AloftException;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.Runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How each runtime's process is started: the bootstraps that ship with Aloft (under its home
 * directory) and the interpreters found on this host, resolved once at startup.
 */
public final class RuntimeCommands {

    private static final String BOOTSTRAP = "dev.aloft.runtime.Bootstrap";
    private static final String TRAINING = "dev.aloft.runtime.FunctionTraining";
    private static final Path NICE = Path.of("/usr/bin/nice");

    private final Path nodeBootstrap;
    private final Path pythonBootstrap;
    private final Path javaRuntimeLib;
    private final JavaAotCache javaAotCache;
    private final String node;
    private final String python;
    private final String java;

    public RuntimeCommands(Path aloftHome) {
        this.nodeBootstrap = aloftHome.resolve("runtimes/nodejs/bootstrap.mjs").toAbsolutePath().normalize();
        this.pythonBootstrap = aloftHome.resolve("runtimes/python/bootstrap.py").toAbsolutePath().normalize();
        this.javaRuntimeLib = aloftHome.resolve("aloft-runtime-java/target/lib").toAbsolutePath().normalize();
        this.javaAotCache = new JavaAotCache(javaRuntimeLib);
        this.node = findExecutable("node", List.of("/usr/bin/node", "/usr/local/bin/node")).orElse("node");
        // The real binary: pyenv's shim on PATH adds ~50 ms to every start.
        this.python = findExecutable("python3", List.of("/usr/bin/python3", "/usr/local/bin/python3")).orElse("python3");
        this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** argv for an instance of {@code runtime} whose code is at {@code taskRoot} inside the sandbox. */
    List<String> command(Runtime runtime, int memoryMb, String taskRoot) {
        return switch (runtime) {
            case NODEJS20 -> List.of(node, require(nodeBootstrap).toString());
            case PYTHON3 -> List.of(python, "-u", require(pythonBootstrap).toString());
            case JAVA25 -> javaCommand(memoryMb);
            case PROVIDED -> List.of(taskRoot + "/bootstrap");
        };
    }

    /**
     * Whether a prewarmed process of this runtime can become an instance of {@code function}: our
     * bootstrap waits for its function on {@code /aloft/bind} (a {@code provided} bootstrap
     * cannot), and no variable of the function must be one the runtime reads only as it starts.
     */
    static boolean bindable(FunctionConfig function) {
        if (!waitsForBinding(function.runtime())) {
            return false;
        }
        List<String> startupPrefixes = switch (function.runtime()) {
            case NODEJS20 -> List.of("NODE_", "UV_");
            case PYTHON3 -> List.of("PYTHON");
            case JAVA25 -> List.of("JAVA_", "JDK_", "_JAVA");
            case PROVIDED -> List.of();
        };
        return function.environment().keySet().stream().noneMatch(name -> name.equals("TZ") || name.startsWith("LD_")
                || startupPrefixes.stream().anyMatch(name::startsWith));
    }

    /** Whether the runtime's bootstrap, started with {@code ALOFT_BIND=1}, waits for its function. */
    static boolean waitsForBinding(Runtime runtime) {
        return runtime != Runtime.PROVIDED;
    }

    /** Host files the runtime reads besides the function's code. */
    List<Path> runtimeFiles(Runtime runtime) {
        return switch (runtime) {
            case NODEJS20 -> List.of(nodeBootstrap.getParent());
            case PYTHON3 -> List.of(pythonBootstrap.getParent());
            case JAVA25 -> Files.isDirectory(javaAotCache.directory())
                    ? List.of(javaRuntimeLib, javaAotCache.directory()) : List.of(javaRuntimeLib);
            case PROVIDED -> List.of();
        };
    }

    /** Host files a Java instance started with a per-function cache reads besides its code. */
    List<Path> runtimeFiles(FunctionAotCache cache) {
        return List.of(javaRuntimeLib, cache.directory());
    }

    /** The AWS_EXECUTION_ENV value Lambda would set. */
    static String executionEnv(Runtime runtime) {
        return switch (runtime) {
            case NODEJS20 -> "AWS_Lambda_nodejs20.x";
            case PYTHON3 -> "AWS_Lambda_python3.11";
            case JAVA25 -> "AWS_Lambda_java25";
            case PROVIDED -> "AWS_Lambda_provided.al2023";
        };
    }

    private List<String> javaCommand(int memoryMb) {
        List<String> command = javaFlags(memoryMb);
        javaAotCache.current().ifPresentOrElse(cache -> command.addAll(aotCacheFlags(cache)),
                // Cannot be combined with -XX:AOTCache; without it the JDK's default CDS archive.
                () -> command.add("-Xshare:auto"));
        command.addAll(List.of("-cp", javaRuntimeClassPath(), BOOTSTRAP));
        return List.copyOf(command);
    }

    /**
     * argv of a fresh Java instance whose function has its own trained cache: the function's code is
     * on the class path that cache was trained with (the bootstrap is told by ALOFT_CODE_ON_CLASS_PATH).
     */
    List<String> javaCommand(int memoryMb, FunctionAotCache cache) {
        List<String> command = javaFlags(memoryMb);
        command.addAll(aotCacheFlags(cache.cache()));
        command.addAll(List.of("-cp", cache.classPath(), BOOTSTRAP));
        return List.copyOf(command);
    }

    /**
     * argv of a per-function AOT training run: an instance's flags and class path, at a lower CPU
     * priority (it competes with instances for the cores), writing the cache to {@code output}.
     */
    List<String> javaTrainingCommand(int memoryMb, String classPath, Path output) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(NICE)) {
            command.addAll(List.of(NICE.toString(), "-n", "10"));
        }
        command.addAll(javaFlags(memoryMb));
        // The JVM reports every class it cannot cache (the function's lambdas, say): expected, not news.
        command.addAll(List.of("-Xlog:disable", "-Xlog:aot=error:stderr", "-XX:AOTCacheOutput=" + output,
                "-cp", classPath, TRAINING));
        return List.copyOf(command);
    }

    /** The runtime's part of every Java class path. */
    String javaRuntimeClassPath() {
        return require(javaRuntimeLib) + "/*";
    }

    /** See {@link JavaAotCache#runtimeFingerprint()}; empty when the runtime's jars cannot be read. */
    Optional<String> javaRuntimeFingerprint() {
        return javaAotCache.runtimeFingerprint();
    }

    private List<String> javaFlags(int memoryMb) {
        require(javaRuntimeLib);
        // Heap below the memory limit leaves room for metaspace, stacks and code cache; the
        // cgroup (where the host has one) enforces the total.
        int heapMb = Math.max(32, memoryMb * 7 / 10);
        // The build's AOT training run (aloft-runtime-java/pom.xml) and the per-function ones use
        // these same flags: a cache is refused when the module flags differ (the heap size may).
        return new ArrayList<>(List.of(java,
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Xmx" + heapMb + "m", "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED",
                // A prewarmed bootstrap adopts its function's environment in-process (JvmEnvironment);
                // on every instance, so one AOT cache serves fresh and prewarmed starts alike.
                "--add-opens", "java.base/java.util=ALL-UNNAMED"));
    }

    private static List<String> aotCacheFlags(Path cache) {
        return List.of(
                // Classes loaded and linked at training are mapped, not parsed: ~2.5x faster to the first
                // answer (bench/README-java-aot.md).
                "-XX:AOTCache=" + cache,
                // A cache the JVM cannot map is reported on stdout, which is the function's log;
                // the instance starts without it, only slower.
                "-Xlog:aot*=off", "-Xlog:cds*=off");
    }

    private static Path require(Path file) {
        if (!Files.exists(file)) {
            throw new AloftException(500, "ServiceException", "runtime file " + file
                    + " is missing; build Aloft with ./mvnw package (or run ./aloft, which builds it)");
        }
        return file;
    }

    private static Optional<String> findExecutable(String name, List<String> preferred) {
        for (String candidate : preferred) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Optional.of(candidate);
            }
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir, name);
            if (!dir.contains("pyenv/shims") && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }
}
