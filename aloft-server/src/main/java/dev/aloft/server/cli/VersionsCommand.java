package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "versions", description = "List a function's published versions, oldest first.")
final class VersionsCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "the function")
    private String name;

    @Option(names = "--json", description = "print the versions as JSON")
    private boolean json;

    @Override
    public Integer call() {
        List<JsonNode> versions = connection.client(root.environment()).versions(name);
        if (json) {
            ConsoleView.printJson(root.out(), ControlClient.JSON.createObjectNode()
                    .set("versions", ControlClient.JSON.valueToTree(versions)));
        } else if (versions.isEmpty()) {
            root.out().println("no versions of " + name + " yet (publish one with 'aloft publish " + name + "')");
        } else {
            ConsoleView.printVersions(root.out(), versions);
        }
        return 0;
    }
}
