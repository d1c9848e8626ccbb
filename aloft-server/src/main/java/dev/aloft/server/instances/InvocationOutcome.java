package dev.aloft.server.instances;

import java.util.Optional;

/**
 * How one invocation ended on an instance.
 *
 * @param body       the function's result, or Lambda's error JSON for every other status
 * @param errorType  e.g. {@code Sandbox.Timedout}; empty on success
 * @param cold       the invocation started a new instance
 * @param prewarmed  that new instance is a prewarmed process bound to the function, not one started
 *                   for it (false when warm)
 * @param initMs     how long that instance took to become ready (0 when warm)
 * @param durationMs from delivery to the instance until its answer
 * @param instanceId the instance that ran it; empty when none got it (the server stopped first)
 */
public record InvocationOutcome(
        Status status, byte[] body, Optional<String> errorType, boolean cold, boolean prewarmed, long initMs,
        long durationMs, Optional<String> instanceId) {

    public enum Status { SUCCESS, FUNCTION_ERROR, TIMEOUT, CRASHED, OUT_OF_MEMORY, INIT_ERROR }

    /** An invocation ended by Aloft (not by the function), with Lambda's error JSON saying why. */
    static InvocationOutcome aloftError(Status status, String errorType, String message, long durationMs,
                                        Optional<String> instanceId) {
        return new InvocationOutcome(status, ErrorBodies.of(errorType, message), Optional.of(errorType), false, false, 0,
                durationMs, instanceId);
    }

    /** Cut by the server's stop; {@code instanceId} is empty when no instance got it. */
    static InvocationOutcome serverStopped(long durationMs, Optional<String> instanceId) {
        return aloftError(Status.CRASHED, "Aloft.ServerStopped", "the server stopped before the invocation finished",
                durationMs, instanceId);
    }

    public boolean succeeded() {
        return status == Status.SUCCESS;
    }

    InvocationOutcome asCold(boolean cold, boolean prewarmed, long initMs) {
        return new InvocationOutcome(status, body, errorType, cold, prewarmed, initMs, durationMs, instanceId);
    }
}
