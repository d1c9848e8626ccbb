package dev.aloft.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "invocation",
        description = "Show one recorded invocation: status, error, timings, input, output and log lines.")
final class InvocationCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "ID", description = "the invocation id (see 'aloft invocations')")
    private String id;

    @Option(names = "--json", description = "print the record as JSON")
    private boolean json;

    @Override
    public Integer call() {
        ConsoleView.print(root.out(), json, connection.client(root.environment()).invocation(id),
                ConsoleView::printInvocation);
        return 0;
    }
}
