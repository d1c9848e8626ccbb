package dev.aloft.server.invocations;

import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.instances.InvocationOutcome;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/** Builds ledger records the same way for every kind of invocation. */
final class LedgerRecords {

    private final int payloadBytes;

    LedgerRecords(int payloadBytes) {
        this.payloadBytes = payloadBytes;
    }

    /** A record that has no outcome yet: queued, or throttled before it ran. */
    InvocationRecord pending(String id, FunctionConfig function, Optional<String> qualifier, Trigger trigger,
                             InvocationStatus status, Instant received, byte[] input, int attempt,
                             Optional<String> idempotencyKey, Optional<String> replayOf,
                             Optional<String> errorType, Optional<String> errorMessage) {
        return new InvocationRecord(id, function.name(), function.revision(), function.version(), qualifier, trigger, status,
                errorType, errorMessage,
                received, Optional.empty(), Optional.empty(), false, false, 0, 0, 0, 0, function.memoryMb(), attempt,
                idempotencyKey, replayOf, Optional.empty(), kept(function, input), input.length, Optional.empty(), 0);
    }

    /**
     * The record of an attempt that ran to an outcome. Its queue time is the earlier attempts' (in
     * {@code pending}) and whatever of the time since {@code waitingSince} — when the invocation was
     * received, or its previous attempt ended — it spent neither initialising nor running.
     */
    InvocationRecord finished(InvocationRecord pending, FunctionConfig function, InvocationOutcome outcome, byte[] input,
                              Instant waitingSince, Instant finished, int attempt) {
        long totalMs = Duration.between(waitingSince, finished).toMillis();
        // Lambda bills at least 1 ms of whatever ran; nothing when no instance got the invocation.
        long billedMs = outcome.instanceId().isPresent() ? Math.max(1, outcome.durationMs()) : 0;
        return new InvocationRecord(pending.id(), function.name(), function.revision(), function.version(),
                pending.qualifier(), pending.trigger(),
                InvocationStatus.of(outcome.status()), outcome.errorType(),
                outcome.succeeded() ? Optional.empty() : Optional.of(ErrorMessages.of(outcome.body())),
                pending.receivedAt(), Optional.of(finished.minusMillis(outcome.durationMs())), Optional.of(finished),
                outcome.cold(), outcome.prewarmed(), outcome.initMs(),
                pending.queueMs() + Math.max(0, totalMs - outcome.durationMs() - outcome.initMs()),
                outcome.durationMs(), billedMs, function.memoryMb(), attempt,
                pending.idempotencyKey(), pending.replayOf(), outcome.instanceId(), kept(function, input),
                input.length, kept(function, outcome.body()), outcome.body().length);
    }

    /** What the ledger keeps of a payload: nothing for sensitive functions, else up to the cap. */
    private Optional<byte[]> kept(FunctionConfig function, byte[] payload) {
        if (function.sensitive() || payloadBytes == 0) {
            return Optional.empty();
        }
        return Optional.of(payload.length <= payloadBytes ? payload : Arrays.copyOf(payload, payloadBytes));
    }
}
