package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.AloftServer;
import dev.aloft.server.ServerSettings;
import dev.aloft.server.store.FileTrees;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The training run for the server's own AOT cache (JEP 483/514/515): the {@code aloft} launcher runs
 * it under {@code -XX:AOTCacheOutput} after a build, and starts {@code up} with the cache. It runs
 * what a node does in its first minutes — start, deploy the examples, invoke them over their
 * function URLs from several callers at once, through the control API and asynchronously, read
 * the ledger and the logs, stop — so those classes come loaded and linked and their methods
 * profiled. A private node on its own data directory and port; nothing of it remains.
 */
@Command(name = "train-aot", hidden = true,
        description = "Run a short workload on a private node, for the launcher's AOT cache training run.")
final class TrainAotCommand implements Callable<Integer> {

    /** Callers at once on a function URL: enough for the pool to queue and scale, as under load. */
    private static final int CALLERS = 8;
    private static final int API_CALLS = 20;
    /** A slow example (the shell one forks for every step) stops at this, short of its calls. */
    private static final Duration URL_CALLS_AT_MOST = Duration.ofSeconds(3);
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final String EVENT = "{\"name\":\"Aloft\"}";

    @ParentCommand
    private AloftCommand root;

    @Option(names = "--calls", paramLabel = "N", defaultValue = "1500",
            description = "function URL calls per example (default: ${DEFAULT-VALUE})")
    private int calls;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (calls < 1) {
            throw AloftException.invalid("--calls must be at least 1, got " + calls);
        }
        Path data = Files.createTempDirectory("aloft-train-aot-");
        long began = System.nanoTime();
        try (AloftServer server = AloftServer.start(trainingSettings(data))) {
            ControlClient client = new ControlClient(server.baseUrl(), server.adminToken());
            List<JsonNode> functions = Examples.deploy(client, message -> root.err().println("warning: " + message));
            if (functions.isEmpty()) {
                throw new AloftException(500, "ServiceException", "no example could be deployed to train on");
            }
            int invocations = 0;
            int failed = 0;
            for (JsonNode function : functions) {
                Share share = exercise(client, server.adminToken(), function);
                invocations += share.invocations();
                failed += share.failed();
            }
            root.out().printf("trained on %d invocations of %d functions in %.1f s; %d failed%n", invocations,
                    functions.size(), (System.nanoTime() - began) / 1e9, failed);
            return failed == 0 ? 0 : 1;
        } finally {
            FileTrees.delete(data);
        }
    }

    /**
     * Defaults on a private loopback port, but no per-function AOT training of the Java example: it
     * would run in the background past the stop, and the server's cache gains nothing from it.
     */
    private static ServerSettings trainingSettings(Path data) {
        return ServerSettings.defaults(data, 0).with("host", "127.0.0.1").with("java-function-aot", "false");
    }

    /** One function's share of the workload: its invocations, and how many of them did not succeed. */
    private record Share(int invocations, int failed) {}

    private Share exercise(ControlClient client, String token, JsonNode function) throws InterruptedException {
        String name = function.path("name").asText();
        int urlCalls = callUrl(URI.create(function.path("url").asText()), token);
        for (int i = 0; i < API_CALLS; i++) {
            client.invoke(name, EVENT);
            client.invokeAsync(name, EVENT, Optional.empty());
        }
        // The ledger says how each ended; the async events run on the dispatcher meanwhile, and
        // waiting for their records trains its path too.
        ControlClient.InvocationFilter succeeded = new ControlClient.InvocationFilter(Optional.of(name),
                Optional.of("success"), Optional.empty());
        int expected = urlCalls + 2 * API_CALLS;
        long deadline = System.nanoTime() + SETTLE.toNanos();
        int done;
        while ((done = client.invocations(succeeded, expected).size()) < expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        client.logs(name, Optional.empty(), 0, 100);
        client.function(name);
        client.scaling(name);
        return new Share(expected, expected - done);
    }

    /**
     * Up to {@link #calls} GETs of the function URL from {@link #CALLERS} callers, for at most
     * {@link #URL_CALLS_AT_MOST}; how many were made (the ledger tells how they ended).
     */
    private int callUrl(URI url, String token) throws InterruptedException {
        long deadline = System.nanoTime() + URL_CALLS_AT_MOST.toNanos();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(url).header("Authorization", "Bearer " + token).build();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger made = new AtomicInteger();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                running.add(callers.submit(() -> {
                    while (System.nanoTime() < deadline && next.getAndIncrement() < calls) {
                        http.send(request, HttpResponse.BodyHandlers.discarding());
                        made.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> caller : running) {
                try {
                    caller.get();
                } catch (ExecutionException e) {
                    throw new AloftException(500, "ServiceException", "calling " + url + " failed: " + e.getCause(), e);
                }
            }
        } finally {
            http.close();
        }
        return made.get();
    }
}
