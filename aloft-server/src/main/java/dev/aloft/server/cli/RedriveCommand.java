package dev.aloft.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "redrive",
        description = {"Queue a function's dead letters again and print their new invocation ids, one per line.",
                "Each leaves the dead-letter list; if it fails again, it comes back as a new one."})
final class RedriveCommand implements Callable<Integer> {

    @ParentCommand
    private AloftCommand root;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "the function")
    private String name;

    @Parameters(index = "1..*", paramLabel = "ID",
            description = "the dead letters' invocation ids (default: all of them; see 'aloft dlq NAME')")
    private List<String> ids = List.of();

    @Override
    public Integer call() {
        List<String> submitted = connection.client(root.environment()).redrive(name, ids);
        submitted.forEach(root.out()::println);
        if (submitted.isEmpty()) {
            root.err().println("no dead letters for " + name + ": nothing to redrive");
        }
        return 0;
    }
}
