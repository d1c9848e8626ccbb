package dev.aloft.server.runtimeapi;

import java.util.Map;

/**
 * The instance side of one registered Runtime API endpoint. The Runtime API calls it on its one
 * event-loop thread, so no call may block: a call the runtime waits on is answered through a
 * {@link LongPoll}, from whichever thread has the answer.
 */
public interface RuntimeSession {

    /** The runtime asks for its next invocation: {@code poll} gets it, or is told the instance is retired. */
    void next(LongPoll<RuntimeEvent> poll);

    /** The runtime's result; false when {@code requestId} is not the invocation this instance runs. */
    boolean respond(String requestId, byte[] body);

    /** The runtime's error report; false when {@code requestId} is not this instance's invocation. */
    boolean fail(String requestId, String errorType, byte[] body);

    /** The runtime could not initialise (e.g. the handler does not load). Called off the event loop. */
    void initFailed(String errorType, byte[] body);

    /**
     * For a prewarmed process not yet bound to a function: {@code poll} gets the environment it
     * must adopt once it is bound; retired when it is retired unbound (or was never prewarmed).
     */
    default void awaitBinding(LongPoll<Map<String, String>> poll) {
        poll.retired();
    }
}
