package dev.aloft.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "delete", description = "Delete a function.")
final class DeleteCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "the function")
    private String name;

    @Override
    public Integer call() {
        connection.client(root.environment()).delete(name);
        root.out().println("deleted " + name);
        return 0;
    }
}
