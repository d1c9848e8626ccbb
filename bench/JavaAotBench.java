import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;

/**
 * Cold start of the Java bootstrap without an AOT cache, with the build's runtime cache, and with a
 * per-function cache (trained here once, as the platform's FunctionTraining run does): time from
 * process spawn to its first GET /next, and to its first POST /response. Runs rotate through the
 * three sides so drift on a noisy host hits all alike. No sandbox: bwrap adds the same few ms to
 * each. Usage: java JavaAotBench.java HOME RUNS FUNCTION, FUNCTION being {@code hello} (the
 * hello-java example, one jar) or {@code sdk} (bench/functions/sdk-java: an AWS SDK client built at
 * initialisation, Lambda's zip layout of loose classes plus lib/).
 */
public class JavaAotBench {

    record Run(long nextNs, long responseNs) {
    }

    /** Which cache a start uses. */
    enum Side {
        NONE, RUNTIME, FUNCTION
    }

    /** A function to start: its handler, its task root, and its code as the per-function class path has it. */
    record Function(String handler, Path taskRoot, String classPath) {

        static Function of(String name, Path home) throws IOException {
            return switch (name) {
                case "hello" -> {
                    Path taskRoot = Files.createTempDirectory("aot-bench");
                    Path jar = Files.copy(home.resolve("examples/hello-java/target/hello-java.jar"),
                            taskRoot.resolve("hello-java.jar"));
                    yield new Function("example.Hello::handleRequest", taskRoot, jar.toString());
                }
                case "sdk" -> {
                    Path target = home.resolve("bench/functions/sdk-java/target");
                    // The jar holds the loose classes, as the platform's task.jar would.
                    yield new Function("example.SdkClient::handleRequest", target.resolve("task"),
                            target.resolve("sdk-java-1.jar") + ":" + target.resolve("task/lib") + "/*");
                }
                default -> throw new IllegalArgumentException("unknown function " + name + ": hello or sdk");
            };
        }
    }

    static Function function;

    /** The one instance in flight: when it asked for work, and when it answered. */
    static final AtomicReference<CompletableFuture<Long>> NEXT = new AtomicReference<>();
    static final AtomicReference<CompletableFuture<Long>> RESPONSE = new AtomicReference<>();

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        int runs = Integer.parseInt(args[1]);
        function = Function.of(args[2], home);
        Path taskRoot = function.taskRoot();
        Path lib = home.resolve("aloft-runtime-java/target/lib");
        Path cache = home.resolve("aloft-runtime-java/target/aot/java-runtime.aot");

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        String runtime = "/2018-06-01/runtime";
        server.createContext(runtime + "/invocation/next", exchange -> {
            long now = System.nanoTime();
            CompletableFuture<Long> next = NEXT.get();
            if (next.isDone()) {
                park(exchange);
                return;
            }
            next.complete(now);
            exchange.getResponseHeaders().set("Lambda-Runtime-Aws-Request-Id", "bench-" + now);
            exchange.getResponseHeaders().set("Lambda-Runtime-Deadline-Ms",
                    Long.toString(Instant.now().plusSeconds(30).toEpochMilli()));
            respond(exchange, 200, "{\"name\":\"bench\"}");
        });
        server.createContext(runtime + "/invocation/", exchange -> {
            long now = System.nanoTime();
            exchange.getRequestBody().readAllBytes();
            respond(exchange, 202, "{}");
            RESPONSE.get().complete(now);
        });
        server.start();
        String api = "127.0.0.1:" + server.getAddress().getPort();

        // The function's code on the class path, as the platform gives it with a per-function cache.
        String functionClassPath = lib + "/*:" + function.classPath();
        Path functionCache = Files.createTempDirectory("aot-bench").resolve("function.aot");
        long trainingStart = System.nanoTime();
        train(functionClassPath, functionCache, taskRoot);
        System.out.printf("per-function training run (FunctionTraining + cache assembly): %.1f s, cache %d MB%n",
                (System.nanoTime() - trainingStart) / 1e9, Files.size(functionCache) >> 20);

        Map<Side, List<String>> commands = Map.of(
                Side.NONE, command(List.of("-Xshare:auto"), lib + "/*"),
                Side.RUNTIME, command(cacheFlags(cache), lib + "/*"),
                // Instances also get the task root last, for its loose resources (README-java-aot.md).
                Side.FUNCTION, command(cacheFlags(functionCache), functionClassPath + ":" + taskRoot));
        // Warms the page cache and this harness; not counted.
        for (int i = 0; i < 2; i++) {
            for (Side side : Side.values()) {
                measure(commands.get(side), side, api, taskRoot);
            }
        }
        Map<Side, List<Run>> results = new EnumMap<>(Side.class);
        for (Side side : Side.values()) {
            results.put(side, new ArrayList<>());
        }
        for (int i = 0; i < runs; i++) {
            for (int k = 0; k < Side.values().length; k++) {
                Side side = Side.values()[(i + k) % Side.values().length];
                results.get(side).add(measure(commands.get(side), side, api, taskRoot));
            }
        }
        server.stop(0);
        List<Run> without = results.get(Side.NONE);
        List<Run> runtimeCache = results.get(Side.RUNTIME);
        List<Run> function = results.get(Side.FUNCTION);
        report("without cache          ", without);
        report("runtime cache (today)  ", runtimeCache);
        report("per-function cache     ", function);
        System.out.printf("ratio without/runtime (median): first /next %.2fx, first response %.2fx%n",
                ratio(without, runtimeCache, Run::nextNs), ratio(without, runtimeCache, Run::responseNs));
        System.out.printf("ratio runtime/per-function (median): first /next %.2fx, first response %.2fx%n",
                ratio(runtimeCache, function, Run::nextNs), ratio(runtimeCache, function, Run::responseNs));
    }

    static double ratio(List<Run> slower, List<Run> faster, ToLongFunction<Run> metric) {
        return percentile(slower, metric, 0.5) / percentile(faster, metric, 0.5);
    }

    static List<String> cacheFlags(Path cache) {
        return List.of("-XX:AOTCache=" + cache, "-Xlog:aot*=off", "-Xlog:cds*=off");
    }

    /** The JVM flags RuntimeCommands.javaFlags gives a 256 MB function. */
    static List<String> jvmFlags() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx179m", "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.util=ALL-UNNAMED");
    }

    static List<String> command(List<String> cacheFlags, String classPath) {
        List<String> command = new ArrayList<>(jvmFlags());
        command.addAll(cacheFlags);
        command.addAll(List.of("-cp", classPath, "dev.aloft.runtime.Bootstrap"));
        return command;
    }

    /** The platform's per-function training run (RuntimeCommands.javaTrainingCommand), without nice or sandbox. */
    static void train(String classPath, Path output, Path taskRoot) throws Exception {
        List<String> command = new ArrayList<>(jvmFlags());
        command.addAll(List.of("-Xlog:disable", "-Xlog:aot=error:stderr", "-XX:AOTCacheOutput=" + output,
                "-cp", classPath, "dev.aloft.runtime.FunctionTraining"));
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:0/aot-training");
        builder.environment().put("_HANDLER", function.handler());
        builder.environment().put("LAMBDA_TASK_ROOT", taskRoot.toString());
        builder.environment().put("ALOFT_CODE_ON_CLASS_PATH", "1");
        int status = builder.start().waitFor();
        if (status != 0 || !Files.isRegularFile(output)) {
            throw new IllegalStateException("per-function training failed with status " + status);
        }
    }

    static Run measure(List<String> command, Side side, String api, Path taskRoot) throws Exception {
        var next = new CompletableFuture<Long>();
        var response = new CompletableFuture<Long>();
        NEXT.set(next);
        RESPONSE.set(response);
        Path output = Files.createTempFile("aot-bench", ".log");
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("AWS_LAMBDA_RUNTIME_API", api);
        builder.environment().put("_HANDLER", function.handler());
        builder.environment().put("LAMBDA_TASK_ROOT", taskRoot.toString());
        if (side == Side.FUNCTION) {
            builder.environment().put("ALOFT_CODE_ON_CLASS_PATH", "1");
        }
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            long nextAt = next.get(30, TimeUnit.SECONDS);
            long responseAt = response.get(30, TimeUnit.SECONDS);
            return new Run(nextAt - start, responseAt - start);
        } catch (TimeoutException e) {
            throw new IllegalStateException(side + " start did not answer within 30 s; its output:\n"
                    + Files.readString(output), e);
        } finally {
            process.destroyForcibly().waitFor();
            Files.delete(output);
        }
    }

    static void report(String label, List<Run> runs) {
        System.out.printf("%s (n=%d): first /next median %.1f ms, p90 %.1f ms; first response median %.1f ms, p90 %.1f ms%n",
                label, runs.size(), percentile(runs, Run::nextNs, 0.5), percentile(runs, Run::nextNs, 0.9),
                percentile(runs, Run::responseNs, 0.5), percentile(runs, Run::responseNs, 0.9));
    }

    /** Nearest-rank percentile, in milliseconds. */
    static double percentile(List<Run> runs, ToLongFunction<Run> metric, double p) {
        long[] sorted = runs.stream().mapToLong(metric).sorted().toArray();
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    /** A finished instance asking for more: hold it until the process is killed. */
    static void park(HttpExchange exchange) {
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exchange.close();
    }

    static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
