package dev.aloft.server.cli;

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
        ConsoleView.printList(root.out(), json, "functions", connection.client(root.environment()).functions(),
                "no functions yet (deploy one with ./aloft deploy NAME --runtime … --handler … --code …)",
                ConsoleView::printFunctions);
        return 0;
    }
}
