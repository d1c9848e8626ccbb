package dev.aloft.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
                "Exits with 1 when the function fails; its error goes to stderr."})
final class InvokeCommand implements Callable<Integer> {

    /** Strict so that {@code {"a":1} junk} is refused here rather than half-sent. */
    private static final ObjectReader STRICT_JSON =
            ControlClient.JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @ParentCommand
    private AloftCommand root;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "the function")
    private String name;

    @ArgGroup(exclusive = true)
    private Event event = new Event();

    @Option(names = "--log", description = "also print the invocation's log lines (to stderr)")
    private boolean log;

    @Option(names = "--json", description = "print invocation id, error and result as one JSON object")
    private boolean json;

    static final class Event {
        @Option(names = "--data", paramLabel = "JSON", description = "the event, e.g. '{\"name\":\"Ada\"}' (default {})")
        Optional<String> inline = Optional.empty();

        @Option(names = "--data-file", paramLabel = "FILE", description = "read the event from a JSON file")
        Optional<Path> file = Optional.empty();
    }

    @Override
    public Integer call() {
        String payload = eventJson();
        ControlClient client = connection.client(root.environment());
        ControlClient.Invocation invocation = client.invoke(name, payload);
        if (log) {
            client.logs(name, Optional.of(invocation.invocationId()), 0, 1000).logs()
                    .forEach(line -> ConsoleView.printLogLine(root.err(), line));
        }
        if (json) {
            ObjectNode result = ControlClient.JSON.createObjectNode().put("invocationId", invocation.invocationId());
            result.put("functionError", invocation.functionError().orElse(null));
            result.set("result", parsedOrText(invocation.payload()));
            ConsoleView.printJson(root.out(), result);
        } else if (invocation.functionError().isEmpty()) {
            root.out().println(invocation.payload());
        } else {
            JsonNode error = parsedOrText(invocation.payload());
            root.err().printf("error: function '%s' failed (%s): %s: %s%n", name, invocation.functionError().get(),
                    error.path("errorType").asText("Unknown"), error.path("errorMessage").asText(invocation.payload()));
        }
        return invocation.functionError().isPresent() ? 1 : 0;
    }

    private String eventJson() {
        String source = event.file.map(Path::toString).map(file -> "--data-file " + file).orElse("--data");
        String text = event.file.map(this::read).or(() -> event.inline).orElse("{}");
        try {
            if (STRICT_JSON.readTree(text).isMissingNode()) {
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

    private static JsonNode parsedOrText(String body) {
        try {
            JsonNode parsed = ControlClient.JSON.readTree(body);
            return parsed.isMissingNode() ? ControlClient.JSON.getNodeFactory().textNode(body) : parsed;
        } catch (JsonProcessingException e) {
            return ControlClient.JSON.getNodeFactory().textNode(body);
        }
    }
}
