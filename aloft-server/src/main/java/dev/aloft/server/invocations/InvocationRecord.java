package dev.aloft.server.invocations;

import java.time.Instant;
import java.util.Optional;

/**
 * One ledger record: everything about one invocation that a user debugging it wants to see.
 * Input and output are kept up to the ledger's size cap ({@code inputBytes}/{@code outputBytes}
 * are the full sizes) and not at all for sensitive functions.
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

    /** True when the full input is stored (not capped, not redacted), so it can be replayed. */
    public boolean inputComplete() {
        return input.isPresent() && input.get().length == inputBytes;
    }
}
