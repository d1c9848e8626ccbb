package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "publish",
        description = {"Publish a function's current code and settings ($LATEST) as a new immutable version.",
                "If nothing changed since the newest version, that version is returned instead of a new one.",
                "Invoke a version with 'aloft invoke NAME:VERSION' or point an alias at it with 'aloft alias'."})
final class PublishCommand extends FunctionCommand {

    @Option(names = "--description", paramLabel = "TEXT", description = "what this version is, e.g. 'fixes rounding'")
    private Optional<String> description = Optional.empty();

    @Option(names = "--json", description = "print the version as JSON")
    private boolean json;

    @Override
    public Integer call() {
        ControlClient.Published published = client().publish(name, description);
        JsonNode version = published.version();
        if (json) {
            ConsoleView.printJson(out(), version);
        } else if (published.created()) {
            out().println("published " + name + " version " + version.path("version").asText()
                    + " (code sha256 " + version.path("codeSha256").asText() + ")");
        } else {
            out().println("nothing new to publish: " + name + " version " + version.path("version").asText()
                    + " already has this code and configuration (code sha256 " + version.path("codeSha256").asText() + ")");
        }
        return 0;
    }
}
