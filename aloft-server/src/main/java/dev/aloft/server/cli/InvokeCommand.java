package dev.aloft.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "invoke",
        description = {"Invoke a function with an event and print its result.",
                "Exits with 1 when the function fails; its error goes to stderr.",
                "With --async, queue the event, print its invocation id and return at once;",
                "follow it with 'aloft invocation ID'."})
final class InvokeCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME[:QUALIFIER]",
            description = "the function; NAME:VERSION or NAME:ALIAS runs a published version (default: $LATEST)")
    private String target;

    @ArgGroup(exclusive = true)
    private Event event = new Event();

    @Option(names = "--log", description = "also print the invocation's log lines (to stderr)")
    private boolean log;

    @Option(names = "--async", description = "queue the event and return once the server has stored it;"
            + " failures are retried, then go to the on-failure destination or 'aloft dlq NAME'")
    private boolean async;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "with --async: an event with a key the server has seen is not queued again")
    private Optional<String> idempotencyKey = Optional.empty();

    @Option(names = "--json", description = "print invocation id, error and result as one JSON object"
            + " (with --async: the server's answer)")
    private boolean json;

    static final class Event {
        @Option(names = "--data", paramLabel = "JSON", description = "the event, e.g. '{\"name\":\"Ada\"}' (default {})")
        Optional<String> inline = Optional.empty();

        @Option(names = "--data-file", paramLabel = "FILE", description = "read the event from a JSON file")
        Optional<Path> file = Optional.empty();
    }

    @Override
    public Integer call() {
        if (async && log) {
            throw new ParameterException(spec.commandLine(), "--async and --log cannot be combined: an async event"
                    + " has not run when the command returns (see its log lines later with 'aloft invocation ID')");
        }
        if (idempotencyKey.isPresent() && !async) {
            throw new ParameterException(spec.commandLine(), "--idempotency-key needs --async: only queued events"
                    + " are deduplicated");
        }
        String payload = eventJson();
        ControlClient client = connection.client(root.environment());
        if (async) {
            JsonNode accepted = client.invokeAsync(target, payload, idempotencyKey);
            if (json) {
                ConsoleView.printJson(root.out(), accepted);
            } else {
                root.out().println((accepted.path("duplicate").asBoolean() ? "duplicate of " : "accepted ")
                        + accepted.path("invocationId").asText());
            }
            return 0;
        }
        ControlClient.Invocation invocation = client.invoke(target, payload);
        if (log) {
            // Log lines belong to the function, whichever version or alias ran.
            client.logs(functionName(), Optional.of(invocation.invocationId()), 0, 1000).logs()
                    .forEach(line -> ConsoleView.printLogLine(root.err(), line));
        }
        return ConsoleView.printResult(root.out(), root.err(), "function '" + target + "'", invocation, json);
    }

    private String functionName() {
        int colon = target.indexOf(':');
        return colon < 0 ? target : target.substring(0, colon);
    }

    private String eventJson() {
        String source = event.file.map(Path::toString).map(file -> "--data-file " + file).orElse("--data");
        String text = event.file.map(this::read).or(() -> event.inline).orElse("{}");
        try {
            if (ControlClient.STRICT_JSON.readTree(text).isMissingNode()) {
                throw new ParameterException(spec.commandLine(), source + " is empty; pass a JSON event such as '{}'");
            }
        } catch (JsonProcessingException e) {
            throw new ParameterException(spec.commandLine(),
                    source + " is not valid JSON: " + e.getOriginalMessage() + " (quote it in the shell: --data '{\"k\":1}')");
        }
        return text;
    }

    private String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot read --data-file " + file + ": " + e.getMessage());
        }
    }
}
