package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "logs",
        description = "Print a function's latest log lines: time, invocation id (short), line.")
final class LogsCommand extends FunctionCommand {

    private static final int PAGE_SIZE = 1000;
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    @Option(names = "--follow", description = "keep printing new lines until Ctrl-C")
    private boolean follow;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
            description = "print at most the last N lines that exist now (default ${DEFAULT-VALUE})")
    private int limit;

    @Option(names = "--json", description = "print each entry as one JSON object per line")
    private boolean json;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        if (limit < 0) {
            throw new ParameterException(spec.commandLine(), "--limit must be 0 or more, got " + limit);
        }
        ControlClient client = client();
        long cursor = printLatest(client);
        while (follow && !Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(POLL_INTERVAL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            ControlClient.LogPage page = client.logs(name, Optional.empty(), cursor, PAGE_SIZE);
            print(page.logs());
            cursor = page.nextCursor();
        }
        return 0;
    }

    /**
     * The API pages forward from the oldest line, so the tail is found by reading every page and
     * keeping only the last {@code limit} lines; returns the cursor to follow from.
     */
    private long printLatest(ControlClient client) {
        Deque<JsonNode> latest = new ArrayDeque<>();
        long cursor = 0;
        ControlClient.LogPage page;
        do {
            page = client.logs(name, Optional.empty(), cursor, PAGE_SIZE);
            for (JsonNode line : page.logs()) {
                latest.addLast(line);
                if (latest.size() > limit) {
                    latest.removeFirst();
                }
            }
            cursor = page.nextCursor();
        } while (page.logs().size() == PAGE_SIZE);
        print(List.copyOf(latest));
        return cursor;
    }

    private void print(List<JsonNode> lines) {
        for (JsonNode line : lines) {
            if (json) {
                ConsoleView.printJsonLine(out(), line);
            } else {
                ConsoleView.printLogLine(out(), line);
            }
        }
        out().flush();
    }
}
