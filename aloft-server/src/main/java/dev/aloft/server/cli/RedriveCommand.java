package dev.aloft.server.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "redrive",
        description = {"Queue a function's dead letters again and print their new invocation ids, one per line.",
                "Each leaves the dead-letter list; if it fails again, it comes back as a new one."})
final class RedriveCommand extends FunctionCommand {

    @Parameters(index = "1..*", paramLabel = "ID",
            description = "the dead letters' invocation ids (default: all of them; see 'aloft dlq NAME')")
    private List<String> ids = List.of();

    @Override
    public Integer call() {
        List<String> submitted = client().redrive(name, ids);
        submitted.forEach(out()::println);
        if (submitted.isEmpty()) {
            root.err().println("no dead letters for " + name + ": nothing to redrive");
        }
        return 0;
    }
}
