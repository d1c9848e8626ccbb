package dev.aloft.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "versions", description = "List a function's published versions, oldest first.")
final class VersionsCommand extends FunctionCommand {

    @Option(names = "--json", description = "print the versions as JSON")
    private boolean json;

    @Override
    public Integer call() {
        ConsoleView.printList(out(), json, "versions", client().versions(name),
                "no versions of " + name + " yet (publish one with 'aloft publish " + name + "')",
                ConsoleView::printVersions);
        return 0;
    }
}
