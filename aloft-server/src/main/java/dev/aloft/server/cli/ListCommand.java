package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", description = "List every function.")
final class ListCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--json", description = "print the functions as JSON")
    private boolean json;

    @Override
    public Integer call() {
        List<JsonNode> functions = connection.client(root.environment()).functions();
        if (json) {
            ConsoleView.printJson(root.out(), ControlClient.JSON.createObjectNode()
                    .set("functions", ControlClient.JSON.valueToTree(functions)));
        } else if (functions.isEmpty()) {
            root.out().println("no functions yet (deploy one with ./aloft deploy NAME --runtime … --handler … --code …)");
        } else {
            ConsoleView.printFunctions(root.out(), functions);
        }
        return 0;
    }
}
