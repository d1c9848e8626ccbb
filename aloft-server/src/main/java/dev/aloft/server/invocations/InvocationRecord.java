package dev.aloft.server.invocations;

import java.time.Instant;
import java.util.Optional;

/**
 * One ledger record: everything about one invocation that a user debugging it wants to see.
 * Input and output are kept up to the ledger's size cap ({@code inputBytes}/{@code outputBytes}
 * are the full sizes) and not at all for sensitive functions. A cold start ({@code cold}) either
 * took a prewarmed process ({@code prewarmed}, its {@code initMs} counted from the binding) or
 * started a process of its own.
 */
public record InvocationRecord(
        String id,
        String functionName,
        long functionRevision,
        String functionVersion,
        Optional<String> qualifier,
        Trigger trigger,
        InvocationStatus status,
        Optional<String> errorType,
        Optional<String> errorMessage,
        Instant receivedAt,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        boolean cold,
        boolean prewarmed,
        long initMs,
        long queueMs,
        long durationMs,
        long billedMs,
        int memoryMb,
        int attempt,
        Optional<String> idempotencyKey,
        Optional<String> replayOf,
        Optional<String> instanceId,
        Optional<byte[]> input,
        long inputBytes,
        Optional<byte[]> output,
        long outputBytes) {

    /** This record with another status (a retried attempt goes back to queued). */
    InvocationRecord withStatus(InvocationStatus newStatus) {
        return withError(newStatus, errorType, errorMessage);
    }

    /** This record with another status and error. */
    InvocationRecord withError(InvocationStatus newStatus, Optional<String> newErrorType, Optional<String> newErrorMessage) {
        return new InvocationRecord(id, functionName, functionRevision, functionVersion, qualifier, trigger, newStatus,
                newErrorType, newErrorMessage, receivedAt, startedAt, finishedAt, cold, prewarmed, initMs, queueMs,
                durationMs, billedMs, memoryMb, attempt, idempotencyKey, replayOf, instanceId, input, inputBytes, output,
                outputBytes);
    }

    /** True when the full input is stored (not capped, not redacted), so it can be replayed. */
    public boolean inputComplete() {
        return input.isPresent() && input.get().length == inputBytes;
    }
}
