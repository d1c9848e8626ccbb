package dev.aloft.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The build's AOT training run (JEP 483/514). It starts the real bootstrap against an in-process
 * Runtime API, once fresh and once prewarmed then bound, each serving a few events through a POJO
 * {@link RequestHandler}, so the JVM records what a Java function's cold start loads and links —
 * the Runtime API client, handler loading, Jackson's bean mapping — into the cache the platform
 * starts every Java instance with.
 *
 * <p>Maven runs it with the platform's JVM flags plus {@code -XX:AOTCacheOutput}; the class path
 * must be exactly the one instances get ({@code target/lib/*}), or the JVM rejects the cache.
 * Exits 0 once every event was answered as expected, 1 otherwise, which fails the build.
 */
final class Training {

    private static final int EVENTS = 3;
    /** Far above the few hundred milliseconds the run takes; only a hang reaches it. */
    private static final Duration TIME_LIMIT = Duration.ofSeconds(60);

    private Training() {
    }

    /** @param args the file to write the class path fingerprint to, beside the cache */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.exit(fail("usage: Training <class path fingerprint file>"));
        }
        // Both starts the platform makes, so the cache holds both paths: fresh, and prewarmed then bound.
        int status = train(false);
        if (status == 0) {
            status = train(true);
        }
        if (status == 0) {
            status = writeFingerprint(Path.of(args[0]));
        }
        // Exits while the bootstrap is parked in /next, as an idle instance is; the JVM then writes the cache.
        System.exit(status);
    }

    /**
     * Records the jars this run's class path holds, one {@code name<TAB>size<TAB>mtimeMs} line each,
     * sorted. The JVM does not notice when a jar changes after training and would run the cached,
     * stale classes, so the platform uses the cache only while the jars still match these lines.
     */
    private static int writeFingerprint(Path file) {
        var lines = new ArrayList<String>();
        try {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path jar = Path.of(entry);
                lines.add(jar.getFileName() + "\t" + Files.size(jar) + "\t" + Files.getLastModifiedTime(jar).toMillis());
            }
            lines.sort(Comparator.naturalOrder());
            Files.write(file, lines);
            return 0;
        } catch (IOException e) {
            return fail("cannot write the class path fingerprint " + file + ": " + e);
        }
    }

    static int train(boolean prewarmed) {
        Path taskRoot = emptyTaskRoot();
        Map<String, String> function = Map.of(
                "_HANDLER", Orders.class.getName() + "::handleRequest",
                "LAMBDA_TASK_ROOT", taskRoot.toString(),
                "AWS_LAMBDA_FUNCTION_NAME", "aot-training",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
        var api = new TrainingRuntimeApi(function);
        var environment = new HashMap<>(prewarmed
                ? Map.of("ALOFT_BIND", "1", "LAMBDA_TASK_ROOT", taskRoot.toString())
                : function);
        environment.put("AWS_LAMBDA_RUNTIME_API", api.address());
        String start = prewarmed ? "prewarmed start: " : "fresh start: ";
        var exited = new CompletableFuture<Integer>();
        Thread.ofPlatform().name("bootstrap").daemon().start(() -> {
            try {
                exited.complete(Bootstrap.launch(environment));
            } catch (Throwable e) { // reported as the run's failure, whatever it is
                exited.completeExceptionally(e);
            }
        });
        try {
            for (int n = 1; n <= EVENTS; n++) {
                String event = "{\"item\":\"tea-" + n + "\",\"quantity\":" + n
                        + ",\"attributes\":{\"size\":\"large\",\"hot\":true,\"shots\":[1,2]},\"tags\":[\"aot\"]}";
                var answer = api.invoke(event);
                CompletableFuture.anyOf(answer.result(), exited).get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                if (exited.isDone()) {
                    return fail(start + "the bootstrap exited with status " + exited.get() + " at event " + n);
                }
                String body = answer.result().get();
                if (!body.contains("\"item\":\"tea-" + n + "\"") || !body.contains(answer.requestId())) {
                    return fail(start + "event " + n + " was answered with " + body);
                }
            }
            System.out.println("aloft-runtime-java: AOT training, " + start + "served " + EVENTS + " events");
            return 0;
        } catch (TimeoutException e) {
            return fail(start + "no answer within " + TIME_LIMIT.toSeconds() + " s");
        } catch (ExecutionException e) {
            return fail(start + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        } finally {
            taskRoot.toFile().delete();
        }
    }

    private static Path emptyTaskRoot() {
        try {
            return Files.createTempDirectory("aloft-aot-training");
        } catch (IOException e) {
            throw new RuntimeSetupException("cannot create an empty task root for the AOT training run: " + e, e);
        }
    }

    static int fail(String why) {
        System.err.println("aloft-runtime-java: AOT training failed: " + why
                + " (the cache at -XX:AOTCacheOutput must not be used)");
        return 1;
    }

    /** The shape most functions have: a JavaBean in, a record out, both with nested JSON. */
    public static final class Orders implements RequestHandler<Order, Receipt> {

        @Override
        public Receipt handleRequest(Order order, Context context) {
            context.getLogger().log("training " + context.getAwsRequestId() + "\n");
            return new Receipt(order.getItem(), order.getQuantity(), order.getQuantity() * 250L,
                    context.getAwsRequestId(), context.getRemainingTimeInMillis() > 0, order.getAttributes());
        }
    }

    /** A JavaBean input. */
    public static final class Order {

        private String item = "";
        private int quantity;
        private Map<String, Object> attributes = Map.of();
        private List<String> tags = List.of();

        public String getItem() {
            return item;
        }

        public void setItem(String item) {
            this.item = item;
        }

        public int getQuantity() {
            return quantity;
        }

        public void setQuantity(int quantity) {
            this.quantity = quantity;
        }

        public Map<String, Object> getAttributes() {
            return attributes;
        }

        public void setAttributes(Map<String, Object> attributes) {
            this.attributes = attributes;
        }

        public List<String> getTags() {
            return tags;
        }

        public void setTags(List<String> tags) {
            this.tags = tags;
        }
    }

    /** A record output. */
    public record Receipt(String item, int quantity, long totalCents, String requestId, boolean inTime,
                          Map<String, Object> attributes) {
    }
}
