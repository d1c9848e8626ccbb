package dev.aloft.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dlq",
        description = {"List a function's dead letters: async events that failed for good.",
                "An event lands here when every attempt failed or it grew too old, and the function has no",
                "on-failure destination. Submit them again with 'aloft redrive'."})
final class DeadLettersCommand extends FunctionCommand {

    @Option(names = "--json", description = "print the dead letters as JSON, payloads included (base64)")
    private boolean json;

    @Override
    public Integer call() {
        ConsoleView.printList(out(), json, "deadLetters", client().deadLetters(name),
                "no dead letters for " + name, ConsoleView::printDeadLetters);
        return 0;
    }
}
