package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "dlq",
        description = {"List a function's dead letters: async events that failed for good.",
                "An event lands here when every attempt failed or it grew too old, and the function has no",
                "on-failure destination. Submit them again with 'aloft redrive'."})
final class DeadLettersCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "the function")
    private String name;

    @Option(names = "--json", description = "print the dead letters as JSON, payloads included (base64)")
    private boolean json;

    @Override
    public Integer call() {
        List<JsonNode> letters = connection.client(root.environment()).deadLetters(name);
        if (json) {
            ConsoleView.printJson(root.out(), ControlClient.JSON.createObjectNode()
                    .set("deadLetters", ControlClient.JSON.valueToTree(letters)));
        } else if (letters.isEmpty()) {
            root.out().println("no dead letters for " + name);
        } else {
            ConsoleView.printDeadLetters(root.out(), letters);
        }
        return 0;
    }
}
