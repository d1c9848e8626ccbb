package dev.aloft.runtime;

/**
 * Carries what a handler threw out of a reflective call, so checked exceptions can travel to the
 * error report unchanged; the report names the cause, never this wrapper.
 */
final class FunctionFailedException extends RuntimeException {

    FunctionFailedException(Throwable cause) {
        super(cause);
    }
}
