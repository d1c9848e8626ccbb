package dev.aloft.server.cli;

import picocli.CommandLine.Command;

@Command(name = "delete", description = "Delete a function.")
final class DeleteCommand extends FunctionCommand {

    @Override
    public Integer call() {
        client().delete(name);
        out().println("deleted " + name);
        return 0;
    }
}
