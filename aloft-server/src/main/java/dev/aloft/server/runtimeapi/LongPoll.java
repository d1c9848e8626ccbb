package dev.aloft.server.runtimeapi;

/**
 * Where the answer to a call the runtime waits on goes ({@code /invocation/next},
 * {@code /aloft/bind}). The session answers exactly once, now or later, from any thread.
 */
public interface LongPoll<T> {

    /**
     * False when the runtime's connection had closed: it never gets {@code value}, and a runtime
     * that reconnects asks again.
     */
    boolean answer(T value);

    /** Nothing will come: the process is being retired. */
    void retired();
}
