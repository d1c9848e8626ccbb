package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "deploy",
        description = "Create a function, or replace it with new code and settings.")
final class DeployCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "function name: 1 to 64 letters, digits, '-' or '_'")
    private String name;

    @Option(names = "--runtime", required = true, paramLabel = "RUNTIME",
            description = "java25, nodejs20, python3 or provided")
    private String runtime;

    @Option(names = "--handler", required = true, paramLabel = "HANDLER",
            description = "entry point, e.g. index.handler or example.Hello::handleRequest")
    private String handler;

    @Option(names = "--code", required = true, paramLabel = "PATH",
            description = "a directory (zipped, file modes kept), a .zip or a .jar")
    private Path code;

    @Option(names = "--memory", paramLabel = "MB", description = "memory limit, 128 to 10240 (server default 256)")
    private Optional<Integer> memoryMb;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "time limit, 1 to 900 (server default 30)")
    private Optional<Integer> timeoutSeconds;

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "environment variable; repeat for more")
    private Map<String, String> environment = Map.of();

    @Option(names = "--concurrency", paramLabel = "N",
            description = "most instances at once, 1 to 1000 (server default 10)")
    private Optional<Integer> concurrency;

    @Option(names = "--min-instances", paramLabel = "N",
            description = "instances kept started even without traffic, 0 to the concurrency (default 0)")
    private Optional<Integer> minInstances;

    @Option(names = "--reserved-concurrency", paramLabel = "N",
            description = "instances whose memory is kept for this function alone, 0 (none, the default) to the concurrency")
    private Optional<Integer> reservedConcurrency;

    @ArgGroup(exclusive = true)
    private Visibility visibility = new Visibility();

    @Option(names = "--sensitive", description = "keep no inputs or outputs in the invocation ledger"
            + " (its invocations then cannot be replayed)")
    private boolean sensitive;

    @Option(names = "--max-retry-attempts", paramLabel = "N",
            description = "retries of a failed async event, 0 to 2 (server default 2)")
    private Optional<Integer> maxRetryAttempts;

    @Option(names = "--max-event-age", paramLabel = "SECONDS",
            description = "drop an async event not delivered by this age, 60 to 21600 (server default 21600)")
    private Optional<Integer> maxEventAgeSeconds;

    @Option(names = "--on-success", paramLabel = "function:NAME",
            description = "where a succeeded async event's result goes")
    private Optional<String> onSuccess;

    @Option(names = "--on-failure", paramLabel = "function:NAME",
            description = "where an async event goes once every attempt failed (default: 'aloft dlq NAME')")
    private Optional<String> onFailure;

    @Option(names = "--json", description = "print the deployed function as JSON")
    private boolean json;

    /** Private unless asked: a public function URL answers anyone who can reach the port. */
    static final class Visibility {
        @Option(names = "--public", description = "its URL /fn/NAME needs no token")
        boolean isPublic;

        @Option(names = "--private", description = "its URL needs the admin token (the default)")
        boolean isPrivate;
    }

    @Override
    public Integer call() {
        FunctionSpec spec = new FunctionSpec(name, runtime, handler, memoryMb, timeoutSeconds, environment,
                concurrency, minInstances, reservedConcurrency, visibility.isPublic, sensitive,
                new FunctionSpec.AsyncSettings(maxRetryAttempts, maxEventAgeSeconds, onSuccess, onFailure), code);
        JsonNode function = connection.client(root.environment()).deploy(spec);
        PrintWriter out = root.out();
        if (json) {
            ConsoleView.printJson(out, function);
        } else {
            out.printf("deployed %s (%s), code %s, %s bytes%n  %s%n",
                    function.path("name").asText(), function.path("runtime").asText(),
                    function.path("codeSha256").asText(), function.path("codeSizeBytes").asText(),
                    function.path("url").asText());
        }
        return 0;
    }
}
