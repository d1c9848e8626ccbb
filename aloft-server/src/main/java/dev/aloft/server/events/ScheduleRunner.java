package dev.aloft.server.events;

import dev.aloft.server.AloftException;
import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.functions.FunctionVersions;
import dev.aloft.server.functions.FunctionVersions.Qualified;
import dev.aloft.server.invocations.AsyncInvoker;
import dev.aloft.server.invocations.Trigger;
import dev.aloft.server.store.Database;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Fires schedules: once a second it asks each schedule which fires are due and submits each as
 * an async invocation. The idempotency key {@code schedule:ID:FIRE} makes a fire enqueue once even
 * when the server dies between enqueueing it and recording it as fired.
 */
public final class ScheduleRunner implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ScheduleRunner.class.getName());

    private final ScheduleStore store;
    private final FunctionRegistry registry;
    private final FunctionVersions versions;
    private final AsyncInvoker asyncInvoker;
    private final InstantSource clock;
    private final String region;
    private final ScheduledExecutorService ticker =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("schedules").daemon().factory());

    public ScheduleRunner(Database database, FunctionRegistry registry, FunctionVersions versions, AsyncInvoker asyncInvoker, InstantSource clock, String region) {
        this.store = new ScheduleStore(database);
        this.registry = registry;
        this.versions = versions;
        this.asyncInvoker = asyncInvoker;
        this.clock = clock;
        this.region = region;
    }

    public void start() {
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Adds a schedule to a function.
     *
     * @throws AloftException 400 for a malformed expression, unknown timezone or non-JSON input;
     *                        404 for an unknown function, version or alias
     */
    public StoredSchedule add(Qualified target, Optional<String> cron, Optional<String> rate, String timezone,
                              Optional<String> input, CatchUp catchUp) {
        versions.resolve(target);
        // The store keeps milliseconds: the answer to add must show the schedule that list shows.
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Schedule schedule = Schedule.parse(cron, rate, timezone, now);
        input.ifPresent(ScheduledEvent::requireJson);
        StoredSchedule stored = new StoredSchedule("sched-" + UUID.randomUUID().toString().substring(0, 8), target.name(),
                target.qualifier(), schedule, input, catchUp, now);
        store.insert(stored);
        return stored;
    }

    public List<StoredSchedule> list(Optional<String> functionName) {
        functionName.ifPresent(registry::get);
        return store.list(functionName);
    }

    public void remove(String id) {
        if (!store.delete(id)) {
            throw AloftException.notFound("schedule '" + id + "' does not exist; 'aloft schedule list' shows the ids");
        }
    }

    /** The function is gone: so are its schedules. */
    public void functionDeleted(String functionName) {
        store.deleteFor(functionName);
    }

    /** Fires what is due now; public so tests with a controlled clock can drive it. */
    public void tick() {
        try {
            Instant now = clock.instant();
            for (StoredSchedule s : store.list(Optional.empty())) {
                for (Instant fire : s.schedule().dueFires(s.lastFired(), now, s.catchUp())) {
                    fire(s, fire);
                }
            }
        } catch (RuntimeException e) {
            LOG.warning("firing schedules failed: " + e);
        }
    }

    private void fire(StoredSchedule s, Instant fire) {
        byte[] payload = ScheduledEvent.payloadFor(s.input(), s.id(), fire, region, UUID.nameUUIDFromBytes(
                (s.id() + fire).getBytes(StandardCharsets.UTF_8)));
        try {
            asyncInvoker.submit(new Qualified(s.functionName(), s.qualifier()), payload, Optional.of("schedule:" + s.id() + ":" + fire.toEpochMilli()),
                    Trigger.SCHEDULE);
        } catch (AloftException e) {
            LOG.warning("schedule " + s.id() + " could not fire " + s.functionName() + " at " + fire + ": " + e.getMessage());
        }
        store.markFired(s.id(), fire);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
