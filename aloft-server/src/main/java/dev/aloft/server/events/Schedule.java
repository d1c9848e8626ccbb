package dev.aloft.server.events;

import dev.aloft.server.AloftException;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When a scheduled function fires: a Quartz cron expression evaluated in a time zone, or a fixed
 * rate counted from the schedule's anchor. Pure computation: callers pass the times in, so tests
 * and the scheduler control the clock.
 *
 * <p>Store {@link #cron()}, {@link #rate()}, {@link #timezone()} and {@link #anchor()}; passing
 * them back to {@link #parse} gives an equal schedule.
 */
public sealed interface Schedule permits CronSchedule, RateSchedule {

    /**
     * How late a fire may be handed out and still count as on time rather than missed. The
     * scheduler ticks every second, so anything older means it was not running.
     */
    Duration ON_TIME = Duration.ofMinutes(1);

    /**
     * Parses what a user typed. Exactly one of {@code cron} and {@code rate} must be present.
     *
     * @param cron Quartz syntax ({@code sec min hour day-of-month month day-of-week [year]}), or
     *     EventBridge's {@code cron(min hour day-of-month month day-of-week year)}, which has no
     *     seconds field and fires at second 0. Either way a schedule fires at most once a minute,
     *     so the seconds field must be a single number
     * @param rate {@code N minute(s)|hour(s)|day(s)}, optionally wrapped as {@code rate(...)}
     * @param timezone an IANA zone id such as {@code Europe/Berlin}; rates ignore it
     * @param anchor when the schedule was created: rates fire at anchor + k × interval, k ≥ 1
     * @throws AloftException 400 saying what is wrong and how to write it instead
     */
    static Schedule parse(Optional<String> cron, Optional<String> rate, String timezone, Instant anchor) {
        ZoneId zone = zone(timezone);
        if (cron.isPresent() && rate.isPresent()) {
            throw AloftException.invalid("give either a cron expression or a rate, not both");
        }
        if (cron.isPresent()) {
            return CronSchedule.parse(cron.get(), zone, anchor);
        }
        if (rate.isPresent()) {
            return RateSchedule.parse(rate.get(), zone, anchor);
        }
        throw AloftException.invalid("a schedule needs a cron expression (e.g. '0 */5 * * * ?') "
                + "or a rate (e.g. '5 minutes')");
    }

    /** The first fire strictly after {@code after}; empty once a cron's year field has run out. */
    Optional<Instant> nextFireAfter(Instant after);

    /**
     * The fires to run on a scheduler tick at {@code now}, given that everything up to and
     * including {@code lastFired} has run (for a schedule that never fired, pass its anchor).
     *
     * <p>Fires in ({@code lastFired}, {@code now}] less than {@link #ON_TIME} old are on time and
     * returned under either policy; since schedules fire at most once a minute that is at most one
     * fire (two around a daylight-saving change), and in normal operation it is every fire. Older
     * ones were missed during downtime: {@link CatchUp#SKIP} drops them, {@link CatchUp#FIRE_ONCE}
     * returns only the latest of them, and only when no on-time fire is due.
     */
    default List<Instant> dueFires(Instant lastFired, Instant now, CatchUp policy) {
        Instant missedUntil = now.minus(ON_TIME);
        Instant onTimeAfter = lastFired.isAfter(missedUntil) ? lastFired : missedUntil;
        List<Instant> onTime = new ArrayList<>();
        for (Optional<Instant> fire = nextFireAfter(onTimeAfter);
                fire.isPresent() && !fire.get().isAfter(now);
                fire = nextFireAfter(fire.get())) {
            onTime.add(fire.get());
        }
        if (!onTime.isEmpty() || policy == CatchUp.SKIP || !lastFired.isBefore(missedUntil)) {
            return onTime;
        }
        return latestFireIn(lastFired, missedUntil).stream().toList();
    }

    /**
     * The latest fire in ({@code after}, {@code until}], found by scanning ever larger windows back
     * from {@code until}: only the forward direction exists, and scanning all of a long outage
     * fire by fire would cost as much as the flood we are avoiding.
     */
    private Optional<Instant> latestFireIn(Instant after, Instant until) {
        for (Duration window = Duration.ofSeconds(1); ; window = window.multipliedBy(2)) {
            Instant from = until.minus(window).isAfter(after) ? until.minus(window) : after;
            Optional<Instant> latest = Optional.empty();
            for (Optional<Instant> fire = nextFireAfter(from);
                    fire.isPresent() && !fire.get().isAfter(until);
                    fire = nextFireAfter(fire.get())) {
                latest = fire;
            }
            if (latest.isPresent() || from.equals(after)) {
                return latest;
            }
        }
    }

    /** The canonical Quartz expression (seconds first), if this is a cron schedule. */
    Optional<String> cron();

    /** The canonical rate, e.g. {@code 5 minutes}, if this is a rate schedule. */
    Optional<String> rate();

    /** The zone id crons are evaluated in. */
    String timezone();

    /** When the schedule was created; rates count their intervals from here. */
    Instant anchor();

    /** One line for listings, e.g. {@code cron '0 0 9 ? * MON-FRI' Europe/Berlin} or {@code rate(5 minutes)}. */
    String describe();

    private static ZoneId zone(String timezone) {
        try {
            return ZoneId.of(timezone);
        } catch (DateTimeException e) {
            throw AloftException.invalid("unknown timezone '" + timezone
                    + "'; use an IANA name such as Europe/Berlin");
        }
    }
}
