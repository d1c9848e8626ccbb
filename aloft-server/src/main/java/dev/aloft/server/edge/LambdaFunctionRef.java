package dev.aloft.server.edge;

import dev.aloft.server.AloftException;
import dev.aloft.server.functions.DeployRequest;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.functions.FunctionVersions;
import dev.aloft.server.functions.FunctionVersions.Qualified;

import java.util.Optional;

/**
 * A function as the Lambda API names it: {@code NAME}, a partial ARN
 * ({@code ACCOUNT:function:NAME}) or an ARN ({@code arn:aws:lambda:REGION:ACCOUNT:function:NAME}),
 * each optionally followed by {@code :QUALIFIER}, or with the qualifier in the {@code Qualifier}
 * query parameter.
 */
record LambdaFunctionRef(String name, Optional<String> qualifier) {

    /** The region and account every ARN names; one Aloft node is one region of one account. */
    static final String REGION = "us-east-1";
    static final String ACCOUNT = "000000000000";
    static final String LATEST = "$LATEST";

    /**
     * @param identifier the FunctionName as sent (percent-decoded)
     * @param qualifier  the Qualifier query parameter, if sent
     * @throws AloftException 400 when the identifier is malformed or names two different qualifiers
     */
    static LambdaFunctionRef parse(String identifier, Optional<String> qualifier) {
        String[] parts = identifier.split(":", -1);
        String name;
        Optional<String> derived;
        if (parts.length <= 2) {
            name = parts[0];
            derived = parts.length == 2 ? Optional.of(parts[1]) : Optional.empty();
        } else if ((parts.length == 3 || parts.length == 4) && parts[1].equals("function")) {
            name = parts[2];
            derived = parts.length == 4 ? Optional.of(parts[3]) : Optional.empty();
        } else if ((parts.length == 7 || parts.length == 8) && parts[0].equals("arn") && parts[2].equals("lambda")
                && parts[5].equals("function")) {
            name = parts[6];
            derived = parts.length == 8 ? Optional.of(parts[7]) : Optional.empty();
        } else {
            throw AloftException.invalid("FunctionName '" + identifier + "' is not a function name, a partial ARN "
                    + "(ACCOUNT:function:NAME) or an ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), "
                    + "each optionally followed by :QUALIFIER");
        }
        DeployRequest.validateName(name);
        if (derived.isPresent() && derived.get().isEmpty()) {
            throw AloftException.invalid("FunctionName '" + identifier + "' ends with ':' but names no qualifier");
        }
        if (derived.isPresent() && qualifier.isPresent() && !derived.equals(qualifier)) {
            throw AloftException.invalid("The derived qualifier from the function name ('" + derived.get()
                    + "') does not match the specified qualifier ('" + qualifier.get() + "')");
        }
        return new LambdaFunctionRef(name, derived.or(() -> qualifier));
    }

    static String arn(String name) {
        return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + name;
    }

    /** The ARN of what this reference names, with its qualifier when it has one. */
    String arn() {
        return arn(name) + qualifier.map(q -> ":" + q).orElse("");
    }

    /**
     * The function's $LATEST, for operations on the function itself (configuration, code).
     *
     * @throws AloftException 404 with Lambda's message when there is no such function, or a
     *                        qualifier other than $LATEST was given
     */
    FunctionConfig resolve(FunctionRegistry registry) {
        if (qualifier.isPresent() && !qualifier.get().equals(LATEST)) {
            throw notFound();
        }
        return registry.find(name).orElseThrow(this::notFound);
    }

    /**
     * This reference, for a setting that belongs to the function as a whole ({@code setting}, e.g.
     * its reserved concurrency), which no version or alias has a value of its own for.
     *
     * @throws AloftException 400 when it has a qualifier, even $LATEST
     */
    LambdaFunctionRef unqualified(String setting) {
        if (qualifier.isPresent()) {
            throw AloftException.invalid(setting + " is set on the function, not on a version or alias: name the function '"
                    + name + "' without the qualifier '" + qualifier.get() + "'");
        }
        return this;
    }

    /** What an invocation of this reference runs: $LATEST, a version, or an alias's pick. */
    FunctionConfig resolve(FunctionVersions versions) {
        try {
            return versions.resolve(qualified());
        } catch (AloftException e) {
            throw e.httpStatus() == 404 ? notFound() : e;
        }
    }

    Qualified qualified() {
        return new Qualified(name, qualifier);
    }

    AloftException notFound() {
        return AloftException.notFound("Function not found: " + arn());
    }
}
