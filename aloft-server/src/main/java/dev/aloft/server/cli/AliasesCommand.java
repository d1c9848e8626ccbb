package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "aliases", description = "List a function's aliases and the versions they route to.")
final class AliasesCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "the function")
    private String name;

    @Option(names = "--json", description = "print the aliases as JSON")
    private boolean json;

    @Override
    public Integer call() {
        List<JsonNode> aliases = connection.client(root.environment()).aliases(name);
        if (json) {
            ConsoleView.printJson(root.out(), ControlClient.JSON.createObjectNode()
                    .set("aliases", ControlClient.JSON.valueToTree(aliases)));
        } else if (aliases.isEmpty()) {
            root.out().println("no aliases for " + name + " (add one with 'aloft alias " + name + " ALIAS --version N')");
        } else {
            ConsoleView.printAliases(root.out(), aliases);
        }
        return 0;
    }
}
