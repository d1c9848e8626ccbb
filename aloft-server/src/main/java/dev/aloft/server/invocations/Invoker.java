package dev.aloft.server.invocations;

import dev.aloft.server.AloftException;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionVersions;
import dev.aloft.server.functions.FunctionVersions.Qualified;
import dev.aloft.server.instances.Caller;
import dev.aloft.server.instances.InstanceScheduler;
import dev.aloft.server.instances.InvocationOutcome;
import dev.aloft.server.instances.ThrottledException;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;

/**
 * Synchronous invocation: the one path every trigger (API, function URL, CLI, replay) goes
 * through. Every invocation it runs — or throttles — becomes one ledger record.
 */
public final class Invoker {

    /** Lambda's limit for a synchronous request payload. */
    public static final int MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

    private final FunctionVersions versions;
    private final InstanceScheduler scheduler;
    private final InvocationLedger ledger;
    private final InstantSource clock;
    private final LedgerRecords records;
    private final InvocationMetrics metrics;

    public Invoker(FunctionVersions versions, InstanceScheduler scheduler, InvocationLedger ledger, InstantSource clock,
                   int ledgerPayloadBytes, InvocationMetrics metrics) {
        this.versions = versions;
        this.scheduler = scheduler;
        this.ledger = ledger;
        this.clock = clock;
        this.records = new LedgerRecords(ledgerPayloadBytes);
        this.metrics = metrics;
    }

    /** Where an invocation comes from, for its ledger record. */
    public record Origin(Trigger trigger, Optional<String> replayOf) {
        public static Origin of(Trigger trigger) {
            return new Origin(trigger, Optional.empty());
        }
    }

    /**
     * Runs the function on {@code payload} and waits for its outcome.
     *
     * @throws dev.aloft.server.AloftException 404 for an unknown function, 413 for a payload over
     *                                         the limit, 429 when the function stays at its limit
     */
    public InvocationResult invoke(Qualified target, byte[] payload, Origin origin) {
        checkPayloadSize(payload.length);
        Instant received = clock.instant();
        FunctionConfig function = versions.resolve(target);
        String invocationId = InvocationIds.next(received);
        InvocationOutcome outcome;
        try {
            outcome = scheduler.invoke(function, invocationId, payload, Caller.SYNCHRONOUS);
        } catch (ThrottledException e) {
            metrics.throttled(function.name());
            ledger.record(records.pending(invocationId, function, target.qualifier(), origin.trigger(),
                    InvocationStatus.THROTTLED, received,
                    payload, 1, Optional.empty(), origin.replayOf(), Optional.of(e.errorType()), Optional.of(e.getMessage())));
            throw e;
        }
        InvocationRecord pending = records.pending(invocationId, function, target.qualifier(), origin.trigger(),
                InvocationStatus.RUNNING,
                received, payload, 1, Optional.empty(), origin.replayOf(), Optional.empty(), Optional.empty());
        ledger.record(records.finished(pending, function, outcome, payload, received, clock.instant(), 1));
        return new InvocationResult(invocationId, function, outcome);
    }

    /**
     * Runs a recorded invocation again with its recorded input — on the qualifier it was invoked
     * with, or on {@code qualifier} (e.g. a fixed version) — and links the new record to the original.
     */
    public InvocationResult replay(String invocationId, Optional<String> qualifier) {
        InvocationRecord original = ledger.find(invocationId).orElseThrow(() -> AloftException.notFound("invocation '"
                + invocationId + "' does not exist (records are pruned after the ledger retention period)"));
        if (!original.inputComplete()) {
            throw new AloftException(409, "ResourceConflictException", "invocation '" + invocationId
                    + "' cannot be replayed: its input was not kept (" + (original.input().isEmpty()
                    ? "the function is sensitive or the ledger keeps no payloads"
                    : "it was " + original.inputBytes() + " bytes, over ledger-payload-bytes") + ")");
        }
        return invoke(new Qualified(original.functionName(), qualifier.or(original::qualifier)), original.input().orElseThrow(),
                new Origin(Trigger.REPLAY, Optional.of(invocationId)));
    }

    public static void checkPayloadSize(long bytes) {
        if (bytes > MAX_PAYLOAD_BYTES) {
            throw new PayloadTooLargeException("request payload is " + bytes + " bytes; the limit for a synchronous "
                    + "invocation is " + MAX_PAYLOAD_BYTES + " bytes (6 MB)");
        }
    }
}
