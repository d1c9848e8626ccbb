package dev.aloft.runtime;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real bootstrap child process, started the way the platform starts it. Its class path is the
 * test's own minus the test classes, so handlers can only come from the task root.
 */
final class FunctionProcess {

    private final Process process;
    private final Path output;

    private FunctionProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** The module flags the platform gives every Java instance, so one AOT cache serves all starts. */
    static final List<String> MODULE_FLAGS = List.of("--add-opens", "java.base/java.util=ALL-UNNAMED");

    static FunctionProcess start(FakeRuntimeApi api, String handler, Path taskRoot, Path workDir) {
        return start(MODULE_FLAGS, workDir, env -> {
            env.put("AWS_LAMBDA_RUNTIME_API", api.address());
            env.put("_HANDLER", handler);
            env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
            env.put("AWS_LAMBDA_FUNCTION_NAME", "test-function");
            env.put("AWS_LAMBDA_FUNCTION_VERSION", "3");
            env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256");
            env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aloft/test-function");
            env.put("AWS_LAMBDA_LOG_STREAM_NAME", "instance-1");
        });
    }

    /** A prewarmed process: only the generic environment, no function yet. */
    static FunctionProcess startPrewarmed(FakeRuntimeApi api, Path taskRoot, Path workDir, List<String> moduleFlags) {
        return start(moduleFlags, workDir, env -> {
            env.put("AWS_LAMBDA_RUNTIME_API", api.address());
            env.put("ALOFT_BIND", "1");
            env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
            env.put("AWS_REGION", "local");
        });
    }

    private static FunctionProcess start(List<String> moduleFlags, Path workDir, Consumer<Map<String, String>> env) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
        var command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(moduleFlags);
        command.addAll(List.of("-cp", classPath, Bootstrap.class.getName()));
        Path output = workDir.resolve("function-output.log");
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("LAMBDA_")
                || name.equals("_HANDLER") || name.equals("ALOFT_BIND"));
        env.accept(builder.environment());
        try {
            return new FunctionProcess(builder.start(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Task root holding the test functions as compiled classes, Lambda's zip layout. */
    static Path testClasses() {
        try {
            return Path.of(dev.aloft.runtime.testfunctions.Orders.class.getProtectionDomain()
                    .getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the test functions into one jar, for task roots laid out with jars. */
    static void writeFunctionsJar(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Path classes = testClasses();
        Path functions = classes.resolve("dev/aloft/runtime/testfunctions");
        try (var out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.list(functions)) {
            for (Path file : files.toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString()));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
    }

    int awaitExit() throws InterruptedException, ExecutionException, TimeoutException {
        return process.onExit().get(30, TimeUnit.SECONDS).exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process wrote to stdout and stderr so far. */
    String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
