package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
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

@Command(name = "alias",
        description = {"Show, point or delete an alias: a name for a version that callers invoke as NAME:ALIAS.",
                "With --version the alias is created or moved, and --weight sends a share of its calls to a"
                        + " second version (a canary). Without options it is shown.",
                "List every alias with 'aloft aliases NAME'."})
final class AliasCommand implements Callable<Integer> {

    private static final Pattern WEIGHT = Pattern.compile("([^=]+)=(.+)");

    /** A share of an alias's calls for a second version. */
    record Weight(String version, BigDecimal fraction) {}

    @ParentCommand
    private AloftCommand root;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "the function")
    private String name;

    @Parameters(index = "1", paramLabel = "ALIAS", description = "the alias, e.g. live (not only digits: those name versions)")
    private String alias;

    /**
     * Declared here because this command's own --version displaces the inherited --help/--version
     * pair (picocli drops the whole standard mixin on a name clash).
     */
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Option(names = "--version", paramLabel = "VERSION",
            description = "point the alias at this published version (or $LATEST), creating it if needed")
    private Optional<String> version = Optional.empty();

    @Option(names = "--weight", paramLabel = "VERSION=FRACTION",
            description = "with --version: send this fraction of calls to a second version, e.g. 2=0.1 for 10%%")
    private Optional<String> weight = Optional.empty();

    @Option(names = "--description", paramLabel = "TEXT", description = "with --version: what the alias is for")
    private Optional<String> description = Optional.empty();

    @Option(names = "--delete", description = "delete the alias; callers of NAME:ALIAS then get an error")
    private boolean delete;

    @Option(names = "--json", description = "print the alias as JSON")
    private boolean json;

    @Override
    public Integer call() {
        if (delete && (version.isPresent() || weight.isPresent() || description.isPresent())) {
            throw new ParameterException(spec.commandLine(), "--delete cannot be combined with --version, --weight"
                    + " or --description");
        }
        if (version.isEmpty() && (weight.isPresent() || description.isPresent())) {
            throw new ParameterException(spec.commandLine(), "--weight and --description need --version: the version"
                    + " the alias routes the rest of its calls to");
        }
        Optional<Weight> additional = weight.map(this::weight);
        ControlClient client = connection.client(root.environment());
        if (delete) {
            client.deleteAlias(name, alias);
            root.out().println("deleted alias " + name + ":" + alias);
            return 0;
        }
        JsonNode shown;
        if (version.isPresent()) {
            ObjectNode request = ControlClient.JSON.createObjectNode().put("version", version.get());
            additional.ifPresent(w -> request.put("additionalVersion", w.version()).put("additionalWeight", w.fraction()));
            description.ifPresent(text -> request.put("description", text));
            shown = client.putAlias(name, alias, request);
        } else {
            shown = client.alias(name, alias);
        }
        if (json) {
            ConsoleView.printJson(root.out(), shown);
        } else {
            root.out().println(name + ":" + alias + " routes to " + ConsoleView.routing(shown));
        }
        return 0;
    }

    private Weight weight(String value) {
        return parseWeight(value).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "--weight must be VERSION=FRACTION with a fraction between 0 and 1 (exclusive), e.g. 2=0.1 to send"
                        + " 10% of calls to version 2; got '" + value + "'"));
    }

    /** {@code 2=0.1}: version and fraction; empty unless the fraction is strictly between 0 and 1. */
    static Optional<Weight> parseWeight(String value) {
        Matcher parts = WEIGHT.matcher(value.strip());
        if (!parts.matches()) {
            return Optional.empty();
        }
        BigDecimal fraction;
        try {
            fraction = new BigDecimal(parts.group(2).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (fraction.signum() <= 0 || fraction.compareTo(BigDecimal.ONE) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new Weight(parts.group(1).strip(), fraction));
    }
}
