package dev.aloft.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "get", description = "Show one function's settings.")
final class GetCommand extends FunctionCommand {

    @Option(names = "--json", description = "print the function as JSON")
    private boolean json;

    @Override
    public Integer call() {
        ConsoleView.print(out(), json, client().function(name), ConsoleView::printSummary);
        return 0;
    }
}
