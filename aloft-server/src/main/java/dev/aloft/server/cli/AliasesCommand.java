package dev.aloft.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "aliases", description = "List a function's aliases and the versions they route to.")
final class AliasesCommand extends FunctionCommand {

    @Option(names = "--json", description = "print the aliases as JSON")
    private boolean json;

    @Override
    public Integer call() {
        ConsoleView.printList(out(), json, "aliases", client().aliases(name),
                "no aliases for " + name + " (add one with 'aloft alias " + name + " ALIAS --version N')",
                ConsoleView::printAliases);
        return 0;
    }
}
