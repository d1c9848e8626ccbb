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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;

/**
 * Cold start of the Java bootstrap with and without the build's AOT cache: time from process
 * spawn to its first GET /next, and to its first POST /response, for the hello-java example.
 * Runs alternate (with, without, without, with, ...) so drift on a noisy host hits both sides
 * alike. No sandbox: bwrap adds the same few ms to both. Usage: java JavaAotBench.java HOME RUNS
 */
public class JavaAotBench {

    record Run(long nextNs, long responseNs) {
    }

    /** The one instance in flight: when it asked for work, and when it answered. */
    static final AtomicReference<CompletableFuture<Long>> NEXT = new AtomicReference<>();
    static final AtomicReference<CompletableFuture<Long>> RESPONSE = new AtomicReference<>();

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        int runs = Integer.parseInt(args[1]);
        Path lib = home.resolve("aloft-runtime-java/target/lib");
        Path cache = home.resolve("aloft-runtime-java/target/aot/java-runtime.aot");
        Path taskRoot = Files.createTempDirectory("aot-bench");
        Files.copy(home.resolve("examples/hello-java/target/hello-java.jar"), taskRoot.resolve("hello-java.jar"));

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

        // Warms the page cache and this harness; not counted.
        for (int i = 0; i < 2; i++) {
            measure(command(lib, cache, true), api, taskRoot);
            measure(command(lib, cache, false), api, taskRoot);
        }
        List<Run> with = new ArrayList<>();
        List<Run> without = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            boolean cacheFirst = i % 2 == 0;
            for (boolean useCache : new boolean[] {cacheFirst, !cacheFirst}) {
                (useCache ? with : without).add(measure(command(lib, cache, useCache), api, taskRoot));
            }
        }
        server.stop(0);
        report("without cache", without);
        report("with cache   ", with);
        System.out.printf("ratio without/with (median): first /next %.2fx, first response %.2fx%n",
                percentile(without, Run::nextNs, 0.5) / percentile(with, Run::nextNs, 0.5),
                percentile(without, Run::responseNs, 0.5) / percentile(with, Run::responseNs, 0.5));
    }

    /** The command RuntimeCommands.javaCommand builds for a 256 MB function. */
    static List<String> command(Path lib, Path cache, boolean useCache) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx179m", "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/java.util=ALL-UNNAMED"));
        if (useCache) {
            command.addAll(List.of("-XX:AOTCache=" + cache, "-Xlog:aot*=off", "-Xlog:cds*=off"));
        } else {
            command.add("-Xshare:auto");
        }
        command.addAll(List.of("-cp", lib + "/*", "dev.aloft.runtime.Bootstrap"));
        return command;
    }

    static Run measure(List<String> command, String api, Path taskRoot) throws Exception {
        var next = new CompletableFuture<Long>();
        var response = new CompletableFuture<Long>();
        NEXT.set(next);
        RESPONSE.set(response);
        var builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("AWS_LAMBDA_RUNTIME_API", api);
        builder.environment().put("_HANDLER", "example.Hello::handleRequest");
        builder.environment().put("LAMBDA_TASK_ROOT", taskRoot.toString());
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            long nextAt = next.get(30, TimeUnit.SECONDS);
            long responseAt = response.get(30, TimeUnit.SECONDS);
            return new Run(nextAt - start, responseAt - start);
        } finally {
            process.destroyForcibly().waitFor();
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
