package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "invocations",
        description = {"List recorded invocations, newest first.",
                "Show one in full with 'aloft invocation ID'."})
final class InvocationsCommand implements Callable<Integer> {

    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd])");
    private static final Map<String, Duration> AGE_UNITS = Map.of(
            "s", Duration.ofSeconds(1), "m", Duration.ofMinutes(1), "h", Duration.ofHours(1), "d", Duration.ofDays(1));

    @ParentCommand
    private AloftCommand root;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "only this function's (default: all)")
    private Optional<String> name = Optional.empty();

    @Option(names = "--status", paramLabel = "STATUS", description = "only these: queued, running, success,"
            + " function_error, timeout, throttled, out_of_memory, crashed, init_error or undelivered")
    private Optional<String> status = Optional.empty();

    @Option(names = "--since", paramLabel = "TIME",
            description = "only those received since an instant (2026-11-26T10:00:00Z) or for an age (30s, 15m, 2h, 3d)")
    private Optional<String> since = Optional.empty();

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "print at most the newest N (default ${DEFAULT-VALUE})")
    private int limit;

    @Option(names = "--json", description = "print the records as JSON")
    private boolean json;

    @Override
    public Integer call() {
        if (limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 or more, got " + limit);
        }
        Optional<Instant> sinceInstant = since.map(value -> parseSince(value, Instant.now()).orElseThrow(() ->
                new ParameterException(spec.commandLine(), "--since must be an instant such as 2026-11-26T10:00:00Z"
                        + " or an age such as 30s, 15m, 2h or 3d, got '" + value + "'")));
        List<JsonNode> invocations = connection.client(root.environment())
                .invocations(new ControlClient.InvocationFilter(name, status, sinceInstant), limit);
        if (json) {
            ConsoleView.printJson(root.out(), ControlClient.JSON.createObjectNode()
                    .set("invocations", ControlClient.JSON.valueToTree(invocations)));
        } else if (invocations.isEmpty()) {
            root.out().println("no invocations" + (name.isPresent() || status.isPresent() || since.isPresent()
                    ? " match" : " recorded yet"));
        } else {
            ConsoleView.printInvocations(root.out(), invocations);
        }
        return 0;
    }

    /** An ISO instant as is, or an age such as {@code 15m} counted back from {@code now}; empty if neither. */
    static Optional<Instant> parseSince(String value, Instant now) {
        Matcher age = AGE.matcher(value.strip());
        if (age.matches()) {
            return Optional.of(now.minus(AGE_UNITS.get(age.group(2)).multipliedBy(Long.parseLong(age.group(1)))));
        }
        try {
            return Optional.of(Instant.parse(value.strip()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
