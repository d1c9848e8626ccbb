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
 */
public record InvocationOutcome(
        Status status, byte[] body, Optional<String> errorType, boolean cold, boolean prewarmed, long initMs,
        long durationMs, String instanceId) {

    public enum Status { SUCCESS, FUNCTION_ERROR, TIMEOUT, CRASHED, OUT_OF_MEMORY, INIT_ERROR }

    public boolean succeeded() {
        return status == Status.SUCCESS;
    }

    InvocationOutcome asCold(boolean cold, boolean prewarmed, long initMs) {
        return new InvocationOutcome(status, body, errorType, cold, prewarmed, initMs, durationMs, instanceId);
    }
}
