package dev.aloft.server.runtimeapi;

/**
 * Where the answer to a call the runtime waits on goes ({@code /invocation/next},
 * {@code /aloft/bind}). The session answers exactly once, now or later, from any thread.
 */
public interface LongPoll<T> {

    void answer(T value);

    /** Nothing will come: the process is being retired. */
    void retired();
}
