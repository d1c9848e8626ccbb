package dev.aloft.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "schedule",
        description = {"Invoke functions on a schedule: a cron expression or a fixed rate.",
                "Each fire is an async invocation with an EventBridge 'Scheduled Event' (or --input) as its event."},
        subcommands = {ScheduleCommand.Add.class, ScheduleCommand.ListSchedules.class, ScheduleCommand.Remove.class})
final class ScheduleCommand extends CommandGroup {

    @Command(name = "add", description = {"Add a schedule to a function; prints its id and next fire time.",
            "Missed fires while the server was down run once when it is back (--catch-up fire-once), or not at all (skip)."})
    static final class Add implements Callable<Integer> {

        @ParentCommand
        private ScheduleCommand parent;

        @Spec
        private CommandSpec spec;

        @Mixin
        private ConnectionOptions connection;

        @Parameters(index = "0", paramLabel = "NAME", description = "the function to invoke")
        private String name;

        @ArgGroup(exclusive = true, multiplicity = "1")
        private When when;

        @Option(names = "--timezone", paramLabel = "ZONE",
                description = "IANA time zone the cron expression is read in, e.g. Europe/Berlin (server default UTC)")
        private Optional<String> timezone = Optional.empty();

        @Option(names = "--input", paramLabel = "JSON",
                description = "send this event instead of the Scheduled Event, e.g. '{\"job\":\"report\"}'")
        private Optional<String> input = Optional.empty();

        @Option(names = "--catch-up", paramLabel = "POLICY",
                description = "after downtime: fire-once (the default) or skip")
        private Optional<String> catchUp = Optional.empty();

        @Option(names = "--json", description = "print the schedule as JSON")
        private boolean json;

        static final class When {
            @Option(names = "--cron", paramLabel = "EXPR", description = "Quartz cron with seconds, e.g. '0 0 9 ? * MON-FRI',"
                    + " or EventBridge's cron(0 9 ? * MON-FRI *)")
            Optional<String> cron = Optional.empty();

            @Option(names = "--rate", paramLabel = "RATE", description = "a fixed interval, e.g. '5 minutes', '1 hour', '2 days'")
            Optional<String> rate = Optional.empty();
        }

        @Override
        public Integer call() {
            ObjectNode request = ControlClient.JSON.createObjectNode();
            when.cron.ifPresent(cron -> request.put("cron", cron));
            when.rate.ifPresent(rate -> request.put("rate", rate));
            timezone.ifPresent(zone -> request.put("timezone", zone));
            input.ifPresent(text -> request.set("input", inputJson(text)));
            catchUp.ifPresent(policy -> {
                if (!List.of("fire-once", "skip").contains(policy)) {
                    throw new ParameterException(spec.commandLine(), "--catch-up must be fire-once or skip, got '" + policy + "'");
                }
                request.put("catchUp", policy);
            });
            JsonNode schedule = parent.client(connection).addSchedule(name, request);
            ConsoleView.print(parent.out(), json, schedule, (out, added) -> {
                out.println("added " + added.path("id").asText() + " to " + name + ": "
                        + added.path("description").asText());
                out.println("next fire " + ConsoleView.nextFire(added));
            });
            return 0;
        }

        private JsonNode inputJson(String text) {
            try {
                JsonNode parsed = ControlClient.STRICT_JSON.readTree(text);
                if (parsed.isMissingNode()) {
                    throw new ParameterException(spec.commandLine(), "--input is empty; pass a JSON event such as '{}'");
                }
                return parsed;
            } catch (JsonProcessingException e) {
                throw new ParameterException(spec.commandLine(), "--input is not valid JSON: " + e.getOriginalMessage()
                        + " (quote it in the shell: --input '{\"k\":1}')");
            }
        }
    }

    @Command(name = "list", description = "List schedules with their next and last fire times.")
    static final class ListSchedules implements Callable<Integer> {

        @ParentCommand
        private ScheduleCommand parent;

        @Mixin
        private ConnectionOptions connection;

        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "only this function's (default: all)")
        private Optional<String> name = Optional.empty();

        @Option(names = "--json", description = "print the schedules as JSON")
        private boolean json;

        @Override
        public Integer call() {
            ConsoleView.printList(parent.out(), json, "schedules", parent.client(connection).schedules(name),
                    "no schedules" + name.map(n -> " for " + n).orElse("")
                            + " (add one with 'aloft schedule add NAME --rate \"5 minutes\"')",
                    ConsoleView::printSchedules);
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove a schedule: it fires no more.")
    static final class Remove implements Callable<Integer> {

        @ParentCommand
        private ScheduleCommand parent;

        @Mixin
        private ConnectionOptions connection;

        @Parameters(index = "0", paramLabel = "ID", description = "the schedule (see 'aloft schedule list')")
        private String id;

        @Override
        public Integer call() {
            parent.client(connection).removeSchedule(id);
            parent.out().println("removed " + id);
            return 0;
        }
    }
}
