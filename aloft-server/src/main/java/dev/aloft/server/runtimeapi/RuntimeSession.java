package dev.aloft.server.runtimeapi;

import java.util.Map;
import java.util.Optional;

/** The instance side of one registered Runtime API endpoint. */
public interface RuntimeSession {

    /**
     * Blocks until the instance has an invocation to run; empty when the instance is being
     * retired and will get none.
     */
    Optional<RuntimeEvent> next() throws InterruptedException;

    /** The runtime's result; false when {@code requestId} is not the invocation this instance runs. */
    boolean respond(String requestId, byte[] body);

    /** The runtime's error report; false when {@code requestId} is not this instance's invocation. */
    boolean fail(String requestId, String errorType, byte[] body);

    /** The runtime could not initialise (e.g. the handler does not load). */
    void initFailed(String errorType, byte[] body);

    /**
     * For a prewarmed process not yet bound to a function: blocks until it is bound and returns the
     * environment it must adopt; empty when it is retired unbound (or was never prewarmed).
     */
    default Optional<Map<String, String>> awaitBinding() throws InterruptedException {
        return Optional.empty();
    }
}
