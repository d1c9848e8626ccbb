package dev.aloft.server.functions;

import dev.aloft.server.AloftException;

import java.util.Map;
import java.util.regex.Pattern;

/** What a caller asks to deploy; {@link #validate()} says precisely what is wrong with it. */
public record DeployRequest(
        String name,
        String runtime,
        String handler,
        int memoryMb,
        int timeoutSeconds,
        Map<String, String> environment,
        int concurrency,
        int minInstances,
        int reservedConcurrency,
        boolean publicUrl,
        boolean sensitive,
        AsyncConfig async,
        byte[] zip) {

    public static final int MIN_MEMORY_MB = 128;
    public static final int MAX_MEMORY_MB = 10_240;
    public static final int MAX_TIMEOUT_SECONDS = 900;
    public static final int MAX_CONCURRENCY = 1000;
    /** The concurrency a function gets when the deployer names none. */
    public static final int DEFAULT_CONCURRENCY = 10;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public DeployRequest {
        environment = Map.copyOf(environment);
    }

    /** A request that redeploys {@code function} as it is, with an empty archive (keep the code). */
    public static DeployRequest of(FunctionConfig function) {
        return new DeployRequest(function.name(), function.runtime().id(), function.handler(), function.memoryMb(),
                function.timeoutSeconds(), function.environment(), function.concurrency(), function.minInstances(),
                function.reservedConcurrency(),                function.publicUrl(),
                function.sensitive(), function.async(), new byte[0]);
    }

    /** This request with other asynchronous invocation settings. */
    public DeployRequest withAsync(AsyncConfig newAsync) {
        return new DeployRequest(name, runtime, handler, memoryMb, timeoutSeconds, environment, concurrency, minInstances,
                reservedConcurrency, publicUrl, sensitive, newAsync, zip);
    }

    /** Checks everything but the archive's contents (see {@link CodeStore}). */
    Runtime validate() {
        Runtime parsed = validateSettings();
        if (zip == null || zip.length == 0) {
            throw new InvalidSettingException(n -> "code is empty: send a non-empty .zip or .jar (" + n.of(Setting.CODE) + ")");
        }
        return parsed;
    }

    /** Checks everything but the archive. */
    Runtime validateSettings() {
        validateName(name);
        Runtime parsed = Runtime.fromId(runtime);
        if (handler == null || handler.isBlank()) {
            throw new InvalidSettingException(n -> n.of(Setting.HANDLER) + " is required, e.g. 'index.handler' (Node.js), "
                    + "'app.handler' (Python), 'example.Hello::handleRequest' (Java)");
        }
        if (handler.length() > 128) {
            throw new InvalidSettingException(n -> n.of(Setting.HANDLER) + " must be at most 128 characters, got "
                    + handler.length());
        }
        if (memoryMb < MIN_MEMORY_MB || memoryMb > MAX_MEMORY_MB) {
            throw new InvalidSettingException(n -> n.of(Setting.MEMORY) + " must be between " + MIN_MEMORY_MB + " and "
                    + MAX_MEMORY_MB + " MB, got " + memoryMb);
        }
        if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            throw new InvalidSettingException(n -> n.of(Setting.TIMEOUT) + " must be between 1 and " + MAX_TIMEOUT_SECONDS
                    + ", got " + timeoutSeconds);
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new InvalidSettingException(n -> n.of(Setting.CONCURRENCY) + " must be between 1 and " + MAX_CONCURRENCY
                    + ", got " + concurrency);
        }
        if (minInstances < 0 || minInstances > concurrency) {
            throw new InvalidSettingException(n -> n.of(Setting.MIN_INSTANCES) + " must be between 0 and the "
                    + n.of(Setting.CONCURRENCY) + " (" + concurrency + "), got " + minInstances);
        }
        if (reservedConcurrency < 0 || reservedConcurrency > concurrency) {
            throw new InvalidSettingException(n -> n.of(Setting.RESERVED_CONCURRENCY) + " must be between 0 (none) and the "
                    + n.of(Setting.CONCURRENCY) + " (" + concurrency + "), got " + reservedConcurrency);
        }
        for (String key : environment.keySet()) {
            if (!ENV_KEY.matcher(key).matches()) {
                throw new InvalidSettingException(n -> n.of(Setting.ENVIRONMENT) + " variable name '" + key
                        + "' is invalid: use letters, digits and '_', not starting with a digit");
            }
            if (key.startsWith("AWS_") || key.startsWith("LAMBDA_") || key.equals("_HANDLER")) {
                throw new InvalidSettingException(n -> n.of(Setting.ENVIRONMENT) + " variable '" + key
                        + "' is reserved for the runtime");
            }
        }
        async.validate();
        return parsed;
    }

    public static void validateName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw AloftException.invalid("function name '" + name
                    + "' is invalid: use 1 to 64 letters, digits, '-' or '_'");
        }
    }
}
