package dev.aloft.runtime;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

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

    static FunctionProcess start(FakeRuntimeApi api, String handler, Path taskRoot, Path workDir) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
        Path output = workDir.resolve("function-output.log");
        var builder = new ProcessBuilder(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", classPath, Bootstrap.class.getName()))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        var env = builder.environment();
        env.put("AWS_LAMBDA_RUNTIME_API", api.address());
        env.put("_HANDLER", handler);
        env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        env.put("AWS_LAMBDA_FUNCTION_NAME", "test-function");
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "3");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aloft/test-function");
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "instance-1");
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
