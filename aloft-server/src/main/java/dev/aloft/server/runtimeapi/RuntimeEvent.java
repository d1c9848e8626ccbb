package dev.aloft.server.runtimeapi;

/** One invocation as handed to an instance by {@code GET /runtime/invocation/next}. */
public record RuntimeEvent(String requestId, long deadlineEpochMs, String invokedFunctionArn, String traceId, byte[] payload) {}
