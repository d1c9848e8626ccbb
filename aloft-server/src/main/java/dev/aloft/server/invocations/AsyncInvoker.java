package dev.aloft.server.invocations;

import dev.aloft.server.AloftException;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.functions.FunctionVersions;
import dev.aloft.server.functions.FunctionVersions.Qualified;
import dev.aloft.server.instances.InstanceScheduler;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Asynchronous invocation: an event is accepted only once it is durably stored (ledger row and
 * queue row in one transaction), then delivered at least once by the {@link AsyncDispatcher}.
 */
public final class AsyncInvoker implements AutoCloseable {

    /** Lambda's limit for an asynchronous payload. */
    public static final int MAX_PAYLOAD_BYTES = 256 * 1024;

    /** The knobs of async delivery, from the server settings. */
    public record Limits(int workers, int queueMax, Duration retryBase, Duration idempotencyWindow, int ledgerPayloadBytes,
                         Duration claimMargin) {}

    /** An accepted event; {@code duplicate} when its idempotency key matched an earlier one. */
    public record Submitted(String invocationId, boolean duplicate) {}

    private final FunctionRegistry registry;
    private final FunctionVersions versions;
    private final InvocationLedger ledger;
    private final InstantSource clock;
    private final Limits limits;
    private final LedgerRecords records;
    private final AtomicLong queued = new AtomicLong();
    private final AsyncDispatcher dispatcher;

    public AsyncInvoker(FunctionRegistry registry, FunctionVersions versions, InstanceScheduler scheduler, InvocationLedger ledger, InstantSource clock,
                        InvocationMetrics metrics, Limits limits) {
        this.registry = registry;
        this.versions = versions;
        this.ledger = ledger;
        this.clock = clock;
        this.limits = limits;
        this.records = new LedgerRecords(limits.ledgerPayloadBytes());
        ledger.inTransaction(c -> {
            AsyncQueue.releaseAllClaims(c);
            AsyncQueue.throttledDueBy(c, clock.instant());
            queued.set(AsyncQueue.size(c));
            return null;
        });
        this.dispatcher = new AsyncDispatcher(this, registry, versions, scheduler, ledger, clock, limits, records, metrics);
    }

    /**
     * Stores an event for delivery and returns its invocation id.
     *
     * @throws AloftException 404 unknown function, 413 payload over 256 KB, 429 queue full
     */
    public Submitted submit(Qualified target, byte[] payload, Optional<String> idempotencyKey, Trigger trigger) {
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new PayloadTooLargeException("request payload is " + payload.length + " bytes; the limit for an "
                    + "asynchronous invocation is " + MAX_PAYLOAD_BYTES + " bytes (256 KB)");
        }
        idempotencyKey.ifPresent(AsyncInvoker::validateKey);
        FunctionConfig function = versions.resolve(target);
        String functionName = target.name();
        Submitted submitted = ledger.inTransaction(c -> {
            Instant now = clock.instant();
            if (idempotencyKey.isPresent()) {
                Optional<String> earlier = AsyncQueue.findByIdempotencyKey(c, functionName, idempotencyKey.get(),
                        now.minus(limits.idempotencyWindow()));
                if (earlier.isPresent()) {
                    return new Submitted(earlier.get(), true);
                }
            }
            if (queued.get() >= limits.queueMax()) {
                throw new AloftException(429, "TooManyRequestsException", "the async queue holds " + queued.get()
                        + " events, its limit (async-queue-max); retry later — nothing was accepted");
            }
            return new Submitted(enqueue(c, function, target.qualifier(), payload, idempotencyKey, trigger, now), false);
        });
        if (!submitted.duplicate()) {
            queued.incrementAndGet();
            dispatcher.wake();
        }
        return submitted;
    }

    /** Inserts a new event (record + queue row) inside {@code c}'s transaction; returns its id. */
    String enqueue(Connection c, FunctionConfig function, Optional<String> qualifier, byte[] payload,
                   Optional<String> idempotencyKey, Trigger trigger, Instant now) throws SQLException {
        String id = InvocationIds.next(now);
        InvocationLedger.upsert(c, records.pending(id, function, qualifier, trigger, InvocationStatus.QUEUED, now, payload, 0,
                idempotencyKey, Optional.empty(), Optional.empty(), Optional.empty()));
        AsyncQueue.enqueue(c, new QueuedEvent(id, function.name(), qualifier, payload, now, 0, 0), now);
        return id;
    }

    /** Called when an event left the queue for good (delivered, dead-lettered or forwarded). */
    void dequeued() {
        queued.decrementAndGet();
    }

    /** Called when an event was added to the queue by delivery (a destination's event). */
    void enqueuedByDelivery() {
        queued.incrementAndGet();
        dispatcher.wake();
    }

    public List<DeadLetter> deadLetters(String functionName, int limit) {
        registry.get(functionName);
        return ledger.inTransaction(c -> AsyncQueue.deadLetters(c, functionName, limit));
    }

    /**
     * Submits dead-lettered events of a function again (all of them when {@code ids} is empty)
     * and removes them from the list; returns the new invocation ids.
     */
    public List<String> redrive(String functionName, List<String> ids) {
        FunctionConfig function = registry.get(functionName);
        List<String> submitted = ledger.inTransaction(c -> {
            List<DeadLetter> letters = AsyncQueue.deadLetters(c, functionName, 10_000);
            List<String> wanted = ids.isEmpty() ? letters.stream().map(DeadLetter::id).toList() : ids;
            List<String> newIds = new ArrayList<>();
            for (String id : wanted) {
                DeadLetter letter = letters.stream().filter(l -> l.id().equals(id)).findFirst().orElseThrow(() ->
                        AloftException.notFound("function '" + functionName + "' has no dead letter '" + id + "'"));
                AsyncQueue.removeDeadLetter(c, id);
                newIds.add(enqueue(c, function, Optional.empty(), letter.payload(), Optional.empty(), Trigger.ASYNC,
                        clock.instant()));
            }
            return newIds;
        });
        submitted.forEach(id -> enqueuedByDelivery());
        return submitted;
    }

    private static void validateKey(String key) {
        if (key.isBlank() || key.length() > 256) {
            throw AloftException.invalid("idempotency key must be 1 to 256 characters, got " + key.length());
        }
    }

    /** Starts delivering; separate from construction so the server starts its edge first. */
    public void start() {
        dispatcher.start();
    }

    /** Takes no new event from the queue; deliveries under way go on. */
    public void stopClaiming() {
        dispatcher.stopClaiming();
    }

    /** Interrupts deliveries still under way: their events stay queued and are delivered after a restart. */
    @Override
    public void close() {
        dispatcher.close();
    }
}
