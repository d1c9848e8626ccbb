package dev.aloft.server.invocations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.functions.FunctionVersions;
import dev.aloft.server.instances.Caller;
import dev.aloft.server.instances.FunctionDeletedException;
import dev.aloft.server.instances.InstanceScheduler;
import dev.aloft.server.instances.InvocationOutcome;
import dev.aloft.server.instances.ThrottledException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Delivers queued events: claims one, runs it, and in one transaction either finishes it
 * (record final, queue row gone, destination or dead letter written) or schedules its retry with
 * exponential backoff and jitter. A crash between claim and finish leaves the row queued, so the
 * event is delivered again after restart: at least once. Of each function only a few events wait
 * for an instance at a time ({@link WaitingPlaces}); the others wait in the queue.
 */
final class AsyncDispatcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AsyncDispatcher.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IDLE_POLL = Duration.ofMillis(250);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    /** Events a claim steps back at most before it lets other store work in. */
    private static final int STEPPED_BACK_PER_CLAIM = 100;

    private final AsyncInvoker invoker;
    private final FunctionRegistry registry;
    private final FunctionVersions versions;
    private final InstanceScheduler scheduler;
    private final InvocationLedger ledger;
    private final InstantSource clock;
    private final AsyncInvoker.Limits limits;
    private final LedgerRecords records;
    private final InvocationMetrics metrics;
    private final WaitingPlaces waitingPlaces;
    /**
     * Functions that may have events stepped back for a throttle: a hint that spares other functions'
     * deliveries a look for them. After a restart a function is added at its next throttle.
     */
    private final Set<String> withThrottledEvents = ConcurrentHashMap.newKeySet();
    private final List<Thread> workers = new ArrayList<>();
    /** Workers wait on this for new events instead of polling the store in a tight loop. */
    private final ReentrantLock wakeLock = new ReentrantLock();
    private final Condition eventsArrived = wakeLock.newCondition();
    private volatile boolean closed;

    AsyncDispatcher(AsyncInvoker invoker, FunctionRegistry registry, FunctionVersions versions, InstanceScheduler scheduler, InvocationLedger ledger,
                    InstantSource clock, AsyncInvoker.Limits limits, LedgerRecords records, InvocationMetrics metrics) {
        this.invoker = invoker;
        this.registry = registry;
        this.versions = versions;
        this.scheduler = scheduler;
        this.ledger = ledger;
        this.clock = clock;
        this.limits = limits;
        this.records = records;
        this.metrics = metrics;
        this.waitingPlaces = new WaitingPlaces(limits.workers());
    }

    void start() {
        for (int i = 0; i < limits.workers(); i++) {
            workers.add(Thread.ofVirtual().name("async-worker-" + i).start(this::work));
        }
    }

    void wake() {
        wakeLock.lock();
        try {
            eventsArrived.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    /** For one event brought forward: every worker woken would look in the store for it. */
    private void wakeOne() {
        wakeLock.lock();
        try {
            eventsArrived.signal();
        } finally {
            wakeLock.unlock();
        }
    }

    private void work() {
        while (!closed) {
            try {
                Claim claim = claim();
                if (claim.delivery().isPresent()) {
                    Delivery delivery = claim.delivery().get();
                    try {
                        deliver(delivery.event(), delivery.place());
                    } finally {
                        delivery.place().ifPresent(WaitingPlaces.Place::giveBack);
                    }
                } else if (!claim.steppedBack()) {
                    awaitEvents();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "async delivery failed; the event stays queued and is retried", e);
                try {
                    awaitEvents();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void awaitEvents() throws InterruptedException {
        wakeLock.lock();
        try {
            eventsArrived.await(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            wakeLock.unlock();
        }
    }

    /** Long enough for the longest invocation; a claim older than this belonged to a dead worker. */
    private Duration claimFor() {
        return Duration.ofSeconds(900).plus(limits.claimMargin());
    }

    /** A claimed event, with a waiting place of its function's, or without: then it is to end unrun. */
    private record Delivery(QueuedEvent event, Optional<WaitingPlaces.Place> place) {}

    /** What a claim found; {@code steppedBack}: it stepped events back, so more may be due. */
    private record Claim(Optional<Delivery> delivery, boolean steppedBack) {}

    /** See {@link #claimNext}; a place taken in a transaction that then failed is given back. */
    private Claim claim() {
        List<WaitingPlaces.Place> taken = new ArrayList<>(1);
        try {
            return ledger.inTransaction(c -> claimNext(c, clock.instant(), taken));
        } catch (RuntimeException e) {
            taken.forEach(WaitingPlaces.Place::giveBack);
            throw e;
        }
    }

    /**
     * Claims the most overdue event that may be delivered now: one that gets a waiting place of its
     * function's, or one to end unrun (function gone, too old). Events before it whose functions
     * have every place taken step back in the queue, as if throttled — in this one transaction, so
     * a flood of one function's costs the store one statement per event, not a delivery's round trips.
     */
    private Claim claimNext(Connection c, Instant now, List<WaitingPlaces.Place> taken) throws SQLException {
        for (int steppedBack = 0; steppedBack < STEPPED_BACK_PER_CLAIM; steppedBack++) {
            Optional<QueuedEvent> next = AsyncQueue.claimNext(c, now, now.plus(claimFor()));
            if (next.isEmpty()) {
                return new Claim(Optional.empty(), steppedBack > 0);
            }
            QueuedEvent event = next.get();
            Optional<WaitingPlaces.Place> place = waitingPlaces.tryTake(event.functionName());
            place.ifPresent(taken::add);
            if (place.isPresent() || endsUnrun(event, now)) {
                return new Claim(Optional.of(new Delivery(event, place)), false);
            }
            stepBack(c, event, now);
        }
        return new Claim(Optional.empty(), true);
    }

    /** Whether the event is to end without running: its function is gone, or the event is older than it allows. */
    private boolean endsUnrun(QueuedEvent event, Instant now) {
        try {
            return tooOld(event, versions.resolve(event.target()), now);
        } catch (AloftException e) {
            return true;
        }
    }

    private static boolean tooOld(QueuedEvent event, FunctionConfig function, Instant now) {
        return Duration.between(event.receivedAt(), now).toSeconds() > function.async().maxEventAgeSeconds();
    }

    private void deliver(QueuedEvent event, Optional<WaitingPlaces.Place> place) {
        FunctionConfig function;
        try {
            function = versions.resolve(event.target());
        } catch (AloftException e) {
            finishWithoutRun(event, "FunctionNotFound", e.getMessage());
            return;
        }
        if (tooOld(event, function, clock.instant())) {
            finishWithoutRun(event, "EventAgeExceeded", "the event is older than maxEventAgeSeconds ("
                    + function.async().maxEventAgeSeconds() + ")");
            return;
        }
        if (place.isEmpty()) {
            // It looked too old or gone at the claim and no longer does (redeployed since): it waits its turn.
            ledger.inTransaction(c -> {
                stepBack(c, event, clock.instant());
                return null;
            });
            return;
        }
        int attempt = event.attempts() + 1;
        InvocationRecord pending = ledger.find(event.id()).orElseGet(() -> records.pending(event.id(), function,
                event.qualifier(), Trigger.ASYNC, InvocationStatus.QUEUED, event.receivedAt(), event.payload(), 0, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty()));
        // Since acceptance, or since its last attempt ended: the wait this attempt's queue time starts from.
        Instant waitingSince = pending.finishedAt().orElse(pending.receivedAt());
        InvocationOutcome outcome;
        try {
            outcome = scheduler.invoke(function, event.id(), event.payload(), new Caller(() -> running(event, pending, place.get())));
        } catch (ThrottledException e) {
            place.get().giveBack();
            ledger.inTransaction(c -> {
                stepBack(c, event, clock.instant());
                return null;
            });
            return;
        } catch (FunctionDeletedException e) {
            finishWithoutRun(event, "FunctionNotFound", e.getMessage());
            return;
        }
        InvocationRecord finished = records.finished(pending, function, outcome, event.payload(), waitingSince, clock.instant(),
                attempt);
        if (outcome.succeeded()) {
            complete(event, finished, function.async().onSuccessFunction(), "Success", outcome);
        } else if (attempt <= function.async().maxRetryAttempts()) {
            Instant retryAt = clock.instant().plus(backoff(attempt));
            ledger.inTransaction(c -> {
                InvocationLedger.upsert(c, finished.withStatus(InvocationStatus.QUEUED));
                AsyncQueue.retryAt(c, event.id(), attempt, retryAt);
                return null;
            });
        } else {
            complete(event, finished, function.async().onFailureFunction(), "RetriesExhausted", outcome);
        }
    }

    /**
     * The event found no instance for it, or its function's waiting places taken: not the function's
     * failure, so it stays queued and tries again later, backing off further each time (as Lambda's,
     * from 1 s to 5 min), without using up an attempt. Counted once per attempt: the tries after the
     * first are Aloft's, not the sender's.
     */
    private void stepBack(Connection c, QueuedEvent event, Instant now) throws SQLException {
        if (event.throttles() == 0) {
            metrics.throttled(event.functionName());
        }
        AsyncQueue.throttledUntil(c, event.id(), event.throttles() + 1, now.plus(backoff(event.throttles() + 1)));
        // In the transaction: one that looks for the function's stepped-back events and finds none
        // drops the hint in its own, so the two cannot cross.
        withThrottledEvents.add(event.functionName());
    }

    /**
     * An instance has the event: only from here is it running (an attempt throttled before leaves it
     * queued). Its waiting place passes to the function's stepped-back event due first, brought
     * forward rather than left to wait out its backoff while instances free up.
     */
    private void running(QueuedEvent event, InvocationRecord queued, WaitingPlaces.Place place) {
        place.giveBack();
        String function = event.functionName();
        try {
            boolean broughtForward = ledger.inTransaction(c -> {
                InvocationLedger.upsert(c, queued.withStatus(InvocationStatus.RUNNING));
                if (!withThrottledEvents.contains(function)) {
                    return false;
                }
                if (AsyncQueue.bringForwardThrottled(c, function, clock.instant())) {
                    return true;
                }
                withThrottledEvents.remove(function);
                return false;
            });
            if (broughtForward) {
                wakeOne();
            }
        } catch (RuntimeException e) {
            // The status is for onlookers: the delivery goes on, and its end writes the record.
            LOG.log(Level.WARNING, "recording async invocation " + queued.id() + " as running failed", e);
        }
    }

    /** Final: record, queue row gone, and the destination event or dead letter — all or nothing. */
    private void complete(QueuedEvent event, InvocationRecord finished, Optional<String> destination, String condition,
                          InvocationOutcome outcome) {
        boolean forwarded = ledger.inTransaction(c -> {
            InvocationLedger.upsert(c, finished);
            AsyncQueue.remove(c, event.id());
            Optional<FunctionConfig> target = destination.flatMap(registry::find);
            if (target.isPresent()) {
                byte[] record = destinationRecord(event, finished, condition, Optional.of(outcome));
                invoker.enqueue(c, target.get(), Optional.empty(), record, Optional.empty(), Trigger.ASYNC, clock.instant());
                return true;
            }
            if (!outcome.succeeded()) {
                AsyncQueue.addDeadLetter(c, new DeadLetter(event.id(), event.functionName(), event.payload(), condition,
                        finished.errorType(), finished.errorMessage(), finished.attempt(), event.receivedAt(), clock.instant()));
            }
            return false;
        });
        invoker.dequeued();
        if (forwarded) {
            invoker.enqueuedByDelivery();
        }
    }

    /** The event never ran (function gone, too old): it ends as a dead letter or at the failure destination. */
    private void finishWithoutRun(QueuedEvent event, String condition, String message) {
        Optional<FunctionConfig> function = registry.find(event.functionName());
        boolean forwarded = ledger.inTransaction(c -> {
            Optional<InvocationRecord> record = ledger.findIn(c, event.id())
                    .map(r -> r.withError(InvocationStatus.UNDELIVERED, Optional.of(condition), Optional.of(message)));
            if (record.isPresent()) {
                InvocationLedger.upsert(c, record.get());
            }
            AsyncQueue.remove(c, event.id());
            Optional<FunctionConfig> target = function.flatMap(f -> f.async().onFailureFunction()).flatMap(registry::find);
            if (target.isPresent() && record.isPresent()) {
                invoker.enqueue(c, target.get(), Optional.empty(), destinationRecord(event, record.get(), condition,
                        Optional.empty()), Optional.empty(), Trigger.ASYNC, clock.instant());
                return true;
            }
            AsyncQueue.addDeadLetter(c, new DeadLetter(event.id(), event.functionName(), event.payload(), condition,
                    Optional.of(condition), Optional.of(message), event.attempts(), event.receivedAt(), clock.instant()));
            return false;
        });
        invoker.dequeued();
        if (forwarded) {
            invoker.enqueuedByDelivery();
        }
    }

    /** Exponential: base, 2×base, 4×base …, each with ±50 % jitter so retries of a burst spread out. */
    private Duration backoff(int attempt) {
        long baseMs = limits.retryBase().toMillis() << Math.min(attempt - 1, 20);
        long jittered = (long) (baseMs * (0.5 + ThreadLocalRandom.current().nextDouble()));
        return Duration.ofMillis(Math.min(jittered, MAX_BACKOFF.toMillis()));
    }

    /** Lambda's destination record: the request, the outcome and why it was sent. */
    private static byte[] destinationRecord(QueuedEvent event, InvocationRecord finished, String condition,
                                            Optional<InvocationOutcome> outcome) {
        ObjectNode record = JSON.createObjectNode();
        record.put("version", "1.0");
        record.put("timestamp", finished.finishedAt().orElse(finished.receivedAt()).toString());
        ObjectNode context = record.putObject("requestContext");
        context.put("requestId", event.id());
        context.put("functionArn", "arn:aws:lambda:local:000000000000:function:" + event.functionName() + ":$LATEST");
        context.put("condition", condition);
        context.put("approximateInvokeCount", finished.attempt());
        record.set("requestPayload", parseOrText(event.payload()));
        ObjectNode response = record.putObject("responseContext");
        response.put("statusCode", 200);
        response.put("executedVersion", "$LATEST");
        if (outcome.isPresent() && !outcome.get().succeeded()) {
            response.put("functionError", "Unhandled");
        }
        outcome.ifPresent(o -> record.set("responsePayload", parseOrText(o.body())));
        return record.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode parseOrText(byte[] bytes) {
        try {
            JsonNode node = JSON.readTree(bytes);
            return node == null ? JSON.getNodeFactory().nullNode() : node;
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    /** Takes no new event; deliveries under way go on (a stop lets them finish first). */
    void stopClaiming() {
        closed = true;
    }

    @Override
    public void close() {
        closed = true;
        workers.forEach(Thread::interrupt);
    }
}
