package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftServer;
import dev.aloft.server.ServerSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "up",
        description = {"Start an Aloft node in this terminal, deploy the examples, and serve until Ctrl-C.",
                "Settings come from flags, then environment variables, then defaults."})
final class UpCommand implements Callable<Integer> {

    /** How long the server may sit without a collection before it runs one to give back unused heap. */
    private static final Duration IDLE_HEAP_RETURN = Duration.ofSeconds(30);

    /** Beyond stop-grace-seconds, how long closing the rest may take before the process ends regardless. */
    private static final Duration STOP_CLOSE_TIME = Duration.ofSeconds(10);

    @ParentCommand
    private AloftCommand root;

    @Option(names = "--port", paramLabel = "N", description = "shorthand for --set port=N")
    private Optional<Integer> port;

    @Option(names = {"--data", "--data-dir"}, paramLabel = "DIR", description = "shorthand for --set data=DIR")
    private Optional<Path> dataDir;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "any setting listed below; repeat for more")
    private Map<String, String> settings = Map.of();

    @Option(names = "--no-examples", description = "do not deploy the examples")
    private boolean noExamples;

    /** Generated from {@link ServerSettings#SETTINGS} so the help can never drift from the code. */
    static void describeSettings(CommandSpec spec) {
        List<String> lines = new ArrayList<>();
        for (ServerSettings.Setting setting : ServerSettings.SETTINGS) {
            lines.add(escape("  %s  (%s, default: %s)".formatted(setting.key(), setting.envVar(), setting.defaultValue())));
            lines.add(escape("      " + setting.doc()));
        }
        spec.usageMessage()
                .width(120)
                .footerHeading("%nSettings (--set KEY=VALUE, or the environment variable):%n")
                .footer(lines.toArray(String[]::new));
    }

    @Override
    public Integer call() {
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        port.ifPresent(value -> overrides.put("port", value.toString()));
        dataDir.ifPresent(value -> overrides.put("data", value.toString()));
        ServerSettings resolved = ServerSettings.resolve(overrides, root.environment());
        StopSignal stop = new StopSignal(resolved.stopGrace().plus(STOP_CLOSE_TIME));
        // Before the start: nothing may throw between a started server and the block that closes it.
        IdleHeap.returnAfter(IDLE_HEAP_RETURN);
        AloftServer server;
        try {
            server = AloftServer.start(resolved);
        } catch (RuntimeException e) {
            stop.abandon();
            throw e;
        }
        try {
            PrintWriter out = root.out();
            server.startupReport().forEach(out::println);
            ControlClient client = new ControlClient(server.baseUrl(), server.adminToken());
            List<JsonNode> examples = noExamples ? List.of() : Examples.deploy(client, this::warn);
            printBanner(out, client, server.adminToken(), resolved.dataDir(), examples);
        } catch (RuntimeException e) {
            server.close();
            stop.abandon();
            throw e;
        }
        return serveUntilStopped(server, stop);
    }

    private void printBanner(PrintWriter out, ControlClient client, String token, Path dataDir, List<JsonNode> examples) {
        String flags = cliFlags(client, dataDir);
        out.println();
        out.println("Aloft is running at " + client.baseUrl());
        out.println("  admin token: " + token + "  (stored in " + dataDir.resolve(ConnectionOptions.TOKEN_FILE) + ")");
        for (JsonNode function : examples) {
            String name = function.path("name").asText();
            String url = function.path("url").asText(client.baseUrl() + "/fn/" + name);
            String auth = function.path("public").asBoolean() ? "" : " -H 'Authorization: Bearer " + token + "'";
            out.println();
            out.println("  " + name + "  " + url);
            out.println("    curl -s" + auth + " " + url);
            out.println("    ./aloft invoke " + name + flags + " --data '{\"name\":\"Aloft\"}'");
        }
        out.println();
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }

    /** Only what the other commands would not find on their own from this environment. */
    private String cliFlags(ControlClient client, Path dataDir) {
        Map<String, String> environment = root.environment();
        String flags = "";
        if (!client.baseUrl().equals(ConnectionOptions.defaultUrl(environment))) {
            flags += " --url " + client.baseUrl();
        }
        if (!dataDir.equals(ConnectionOptions.defaultDataDir(environment))) {
            flags += " --data-dir " + dataDir;
        }
        return flags;
    }

    /** Blocks until a stop signal (or, in-process, an interrupt), then closes the server on this thread, its one owner. */
    private int serveUntilStopped(AloftServer server, StopSignal stop) {
        boolean signalled = false;
        try {
            stop.await();
            signalled = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.close();
            root.err().println("Aloft stopped");
            root.err().flush();
            if (signalled) {
                stop.done();
            } else {
                stop.abandon();
            }
        }
        return 0;
    }

    /**
     * SIGINT/SIGTERM. Installed before the server starts: its listener answers before start-up
     * ends, and a signal in that window used to end the JVM without closing the server (exit 143,
     * every warm instance cut off from its Runtime API). The hook ends the process with 0 because the
     * JVM would otherwise report 128 + signal for what is the normal way to stop {@code aloft up}.
     */
    private static final class StopSignal {
        private final CountDownLatch requested = new CountDownLatch(1);
        private final CountDownLatch done = new CountDownLatch(1);
        private final Thread hook;

        /** @param limit how long the hook waits for the server to close before it ends the process */
        StopSignal(Duration limit) {
            hook = Thread.ofPlatform().name("aloft-stop").unstarted(() -> {
                requested.countDown();
                try {
                    done.await(limit.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(0);
            });
            Runtime.getRuntime().addShutdownHook(hook);
        }

        void await() throws InterruptedException {
            requested.await();
        }

        /** The server is closed: the hook may end the process. */
        void done() {
            done.countDown();
        }

        /** No stop to wait for (start-up failed, or an in-process interrupt): the exit status is the caller's. */
        void abandon() {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // A signal came meanwhile; the hook ends the process once done.
            }
        }
    }

    private void warn(String message) {
        root.err().println("warning: " + message);
        root.err().flush();
    }

    /** Picocli formats help text, so a literal percent sign in a doc must be doubled. */
    private static String escape(String text) {
        return text.replace("%", "%%");
    }
}
