package dev.aloft.server.functions;

import dev.aloft.server.AloftException;

import java.util.Optional;

/**
 * How a function's asynchronous invocations are retried and where their results go, as Lambda's
 * EventInvokeConfig. A destination is {@code function:NAME}; without an on-failure destination,
 * failed events go to the function's dead-letter list.
 */
public record AsyncConfig(int maxRetryAttempts, int maxEventAgeSeconds, Optional<String> onSuccess,
                          Optional<String> onFailure) {

    public static final AsyncConfig DEFAULT = new AsyncConfig(2, 21_600, Optional.empty(), Optional.empty());
    private static final String FUNCTION_PREFIX = "function:";

    void validate() {
        if (maxRetryAttempts < 0 || maxRetryAttempts > 2) {
            throw new InvalidSettingException(n -> n.of(Setting.MAX_RETRY_ATTEMPTS) + " must be between 0 and 2, got "
                    + maxRetryAttempts);
        }
        if (maxEventAgeSeconds < 60 || maxEventAgeSeconds > 21_600) {
            throw new InvalidSettingException(n -> n.of(Setting.MAX_EVENT_AGE) + " must be between 60 and 21600 (6 hours), got "
                    + maxEventAgeSeconds);
        }
        onSuccess.ifPresent(d -> destinationFunction("onSuccess", d));
        onFailure.ifPresent(d -> destinationFunction("onFailure", d));
    }

    /** The destination that sends records to function {@code name}. */
    public static String functionDestination(String name) {
        return FUNCTION_PREFIX + name;
    }

    /** The function a destination names. */
    static String destinationFunction(String field, String destination) {
        if (!destination.startsWith(FUNCTION_PREFIX)) {
            throw AloftException.invalid(field + " destination '" + destination
                    + "' is invalid: use function:NAME (the function receives a Lambda destination record)");
        }
        String name = destination.substring(FUNCTION_PREFIX.length());
        DeployRequest.validateName(name);
        return name;
    }

    public Optional<String> onSuccessFunction() {
        return onSuccess.map(d -> destinationFunction("onSuccess", d));
    }

    public Optional<String> onFailureFunction() {
        return onFailure.map(d -> destinationFunction("onFailure", d));
    }
}
