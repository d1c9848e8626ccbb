package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "get", description = "Show one function's settings.")
final class GetCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "the function")
    private String name;

    @Option(names = "--json", description = "print the function as JSON")
    private boolean json;

    @Override
    public Integer call() {
        JsonNode function = connection.client(root.environment()).function(name);
        if (json) {
            ConsoleView.printJson(root.out(), function);
        } else {
            ConsoleView.printSummary(root.out(), function);
        }
        return 0;
    }
}
