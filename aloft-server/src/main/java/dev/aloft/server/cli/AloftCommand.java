package dev.aloft.server.cli;

import dev.aloft.server.AloftException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code aloft} command. Environment and output streams are injected rather than read from
 * {@link System} so the whole CLI runs in-process in tests, against a real server.
 */
@Command(name = "aloft",
        scope = ScopeType.INHERIT, // every subcommand gets --help and --version
        mixinStandardHelpOptions = true,
        version = "aloft 0.1.0",
        description = "Run and use a self-hosted Aloft serverless node.",
        subcommands = {
                UpCommand.class, DeployCommand.class, ListCommand.class, GetCommand.class,
                DeleteCommand.class, InvokeCommand.class, LogsCommand.class, InvocationsCommand.class,
                InvocationCommand.class, ReplayCommand.class, DeadLettersCommand.class, RedriveCommand.class,
                ScheduleCommand.class, PublishCommand.class, VersionsCommand.class, AliasCommand.class,
                AliasesCommand.class, KeysCommand.class, TrainAotCommand.class})
public final class AloftCommand implements Runnable {

    private final Map<String, String> environment;
    private final PrintWriter out;
    private final PrintWriter err;

    @Spec
    private CommandSpec spec;

    private AloftCommand(Map<String, String> environment, PrintWriter out, PrintWriter err) {
        this.environment = Map.copyOf(environment);
        this.out = out;
        this.err = err;
    }

    /**
     * The ready-to-run command line: errors Aloft raises on purpose print as {@code error: …} with
     * exit code 1; bad arguments print as {@code error: …} with exit code 2.
     */
    public static CommandLine commandLine(Map<String, String> environment, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new AloftCommand(environment, out, err));
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (!(e instanceof AloftException)) {
                throw e;
            }
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        });
        commandLine.setParameterExceptionHandler((e, args) -> {
            err.println("error: " + e.getMessage());
            err.println("(see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return 2;
        });
        UpCommand.describeSettings(commandLine.getSubcommands().get("up").getCommandSpec());
        return commandLine;
    }

    public static void main(String[] args) {
        // A class literal does not initialise the class, so LogManager still reads the property
        // (once, as logging starts) after it is set.
        System.setProperty("java.util.logging.manager", LoggingThroughStop.class.getName());
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(commandLine(System.getenv(), out, err).execute(args));
    }

    /** Without a subcommand there is nothing to do but explain the choices. */
    @Override
    public void run() {
        spec.commandLine().usage(out);
    }

    Map<String, String> environment() {
        return environment;
    }

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }
}
