package dev.aloft.runtime;

/**
 * The handler named by {@code _HANDLER} could not be made ready; reported on
 * {@code /runtime/init/error} with {@link #errorType()} so the caller sees why.
 */
final class HandlerInitException extends RuntimeException {

    private final String errorType;

    HandlerInitException(String errorType, String message) {
        super(message);
        this.errorType = errorType;
    }

    HandlerInitException(String errorType, String message, Throwable cause) {
        super(message, cause);
        this.errorType = errorType;
    }

    /** Lambda's name for the failure, e.g. {@code Runtime.ClassNotFound}. */
    String errorType() {
        return errorType;
    }
}
