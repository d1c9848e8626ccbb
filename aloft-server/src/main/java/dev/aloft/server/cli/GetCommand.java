package dev.aloft.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "get", description = "Show one function's settings, its instances and its learned keep-alive.")
final class GetCommand extends FunctionCommand {

    @Option(names = "--json", description = "print the function as JSON (its settings only)")
    private boolean json;

    @Override
    public Integer call() {
        ConsoleView.print(out(), json, client().function(name), ConsoleView::printSummary);
        if (!json) {
            ConsoleView.printScaling(out(), client().scaling(name));
        }
        return 0;
    }
}
