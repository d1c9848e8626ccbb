package dev.aloft.server.cli;

import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "replay",
        description = {"Invoke a function again with a recorded invocation's input.",
                "It runs on what the original was invoked with ($LATEST, a version or an alias), or on --version.",
                "Prints the result like invoke (exit 1 when the function fails), then the new id on stderr."})
final class ReplayCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "ID", description = "the invocation to replay (see 'aloft invocations')")
    private String id;

    /**
     * Declared here because this command's own --version displaces the inherited --help/--version
     * pair (picocli drops the whole standard mixin on a name clash).
     */
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Option(names = "--version", paramLabel = "VERSION",
            description = "run on this published version or alias instead, e.g. to check a fix against a recorded input")
    private Optional<String> version = Optional.empty();

    @Option(names = "--json", description = "print invocation id, error and result as one JSON object")
    private boolean json;

    @Override
    public Integer call() {
        ControlClient.Invocation replayed = connection.client(root.environment()).replay(id, version);
        int exitCode = ConsoleView.printResult(root.out(), root.err(), "replay of " + id, replayed, json);
        root.err().println("replayed as " + replayed.invocationId());
        return exitCode;
    }
}
