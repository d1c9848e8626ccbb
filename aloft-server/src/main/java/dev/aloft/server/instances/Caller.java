package dev.aloft.server.instances;

/**
 * Who asked for an invocation, as far as the scheduler cares: {@code onInstance} runs on the
 * caller's thread once an instance has the invocation, before its outcome (a queued caller learns
 * that it stopped waiting and its invocation runs).
 */
public record Caller(Runnable onInstance) {

    /** A caller that only wants the outcome. */
    public static final Caller SYNCHRONOUS = new Caller(() -> {});
}
