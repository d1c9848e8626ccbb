package dev.aloft.server.invocations;

import dev.aloft.server.AloftException;
import dev.aloft.server.instances.InvocationOutcome;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where an invocation stands; every status but QUEUED and RUNNING is final. UNDELIVERED: an async
 * event that never ran (too old, or its function was deleted).
 */
public enum InvocationStatus {
    QUEUED, RUNNING, SUCCESS, FUNCTION_ERROR, TIMEOUT, THROTTLED, OUT_OF_MEMORY, CRASHED, INIT_ERROR, UNDELIVERED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static InvocationStatus fromId(String id) {
        try {
            return valueOf(id.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw AloftException.invalid("unknown status '" + id + "'; use one of "
                    + Arrays.stream(values()).map(InvocationStatus::id).collect(Collectors.joining(", ")));
        }
    }

    static InvocationStatus of(InvocationOutcome.Status status) {
        return switch (status) {
            case SUCCESS -> SUCCESS;
            case FUNCTION_ERROR -> FUNCTION_ERROR;
            case TIMEOUT -> TIMEOUT;
            case CRASHED -> CRASHED;
            case OUT_OF_MEMORY -> OUT_OF_MEMORY;
            case INIT_ERROR -> INIT_ERROR;
        };
    }
}
