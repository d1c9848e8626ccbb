package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.instances.InvocationOutcome.Status;

import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The outcomes of Aloft's making for one instance's invocations that its runtime did not answer:
 * init failures, timeouts, a stop, the process's exit. It keeps the last lines the process
 * printed, for an init that died without saying why.
 */
final class EndOutcomes {

    private static final int RECENT_OUTPUT_LINES = 3;

    private final String instanceId;
    private final FunctionConfig function;
    private final Deque<String> recentOutput = new ConcurrentLinkedDeque<>();

    EndOutcomes(String instanceId, FunctionConfig function) {
        this.instanceId = instanceId;
        this.function = function;
    }

    /** Remembers a printed line (the last few). */
    void printed(String line) {
        recentOutput.addLast(line.length() > 300 ? line.substring(0, 300) + "…" : line);
        while (recentOutput.size() > RECENT_OUTPUT_LINES) {
            recentOutput.pollFirst();
        }
    }

    /** The runtime reported that it could not initialise ({@code /init/error}). */
    InvocationOutcome initError(String errorType, byte[] body) {
        return new InvocationOutcome(Status.INIT_ERROR, body, Optional.of(errorType), true, false, 0, 0, Optional.of(instanceId));
    }

    InvocationOutcome initTimeout() {
        String message = "the runtime did not become ready within the init timeout (it never called "
                + "/runtime/invocation/next); check the handler and the bootstrap";
        return new InvocationOutcome(Status.INIT_ERROR, ErrorBodies.of("Runtime.InitTimeout", message),
                Optional.of("Runtime.InitTimeout"), true, false, 0, 0, Optional.of(instanceId));
    }

    InvocationOutcome timedOut(long durationMs) {
        String message = String.format("Task timed out after %d.00 seconds", function.timeoutSeconds());
        return InvocationOutcome.aloftError(Status.TIMEOUT, "Sandbox.Timedout", message, durationMs, Optional.of(instanceId));
    }

    InvocationOutcome serverStopped(long durationMs) {
        return InvocationOutcome.serverStopped(durationMs, Optional.of(instanceId));
    }

    /**
     * The process exited with {@code exitCode}; {@code wasReady}: after its init; {@code ranMs}: how
     * long its invocation had run (0 when none had reached the runtime). Call once the pipes are
     * drained when it was not ready: runtimes print why they could not start (a missing handler, a
     * bad import) before exiting.
     */
    InvocationOutcome exited(int exitCode, boolean outOfMemory, boolean wasReady, long ranMs) {
        if (outOfMemory) {
            return new InvocationOutcome(Status.OUT_OF_MEMORY,
                    ErrorBodies.of("Runtime.OutOfMemory", "Runtime exited: out of memory (limit " + function.memoryMb()
                            + " MB); raise the function's memory or use less"),
                    Optional.of("Runtime.OutOfMemory"), !wasReady, false, 0, ranMs, Optional.of(instanceId));
        }
        if (!wasReady) {
            String lastLines = recentOutput.isEmpty() ? "see the function's logs"
                    : "its last output: " + String.join(" | ", recentOutput);
            return new InvocationOutcome(Status.INIT_ERROR,
                    ErrorBodies.of("Runtime.ExitError", "Runtime exited during init with exit status " + exitCode
                            + "; " + lastLines),
                    Optional.of("Runtime.ExitError"), true, false, 0, 0, Optional.of(instanceId));
        }
        return crashed("Runtime exited with error: exit status " + exitCode, ranMs);
    }

    /** For an invocation that came too late: the instance had exited already. */
    InvocationOutcome exitedBeforeDelivery() {
        return crashed("the instance exited before it got the invocation", 0);
    }

    private InvocationOutcome crashed(String message, long ranMs) {
        return InvocationOutcome.aloftError(Status.CRASHED, "Runtime.ExitError", message, ranMs, Optional.of(instanceId));
    }
}
