package dev.aloft.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "replay",
        description = {"Invoke a function again with a recorded invocation's input, on its current code.",
                "Prints the result like invoke (exit 1 when the function fails), then the new id on stderr."})
final class ReplayCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "ID", description = "the invocation to replay (see 'aloft invocations')")
    private String id;

    @Option(names = "--json", description = "print invocation id, error and result as one JSON object")
    private boolean json;

    @Override
    public Integer call() {
        ControlClient.Invocation replayed = connection.client(root.environment()).replay(id);
        int exitCode = ConsoleView.printResult(root.out(), root.err(), "replay of " + id, replayed, json);
        root.err().println("replayed as " + replayed.invocationId());
        return exitCode;
    }
}
