package dev.aloft.server.events;

import com.cronutils.model.time.ExecutionTime;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.Optional;

/**
 * A Quartz cron expression in a time zone. cron-utils only answers "which wall-clock time matches
 * next" (we evaluate it in UTC, where wall clocks have no gaps or repeats); turning wall-clock
 * times into instants is done here, so the daylight-saving policy is ours and explicit:
 *
 * <ul>
 *   <li><b>Spring forward.</b> A wall-clock time that does not exist that day fires once, at the
 *       first instant after the gap: in Europe/Berlin on 2026-03-29, {@code 0 30 2 * * ?} fires
 *       at 03:00 local. Several times in the same gap collapse into that one fire. A daily job
 *       therefore still runs that day, a little early, rather than silently not at all (cron-utils
 *       on its own skips it).
 *   <li><b>Fall back.</b> A wall-clock time that happens twice fires at its first occurrence only,
 *       so {@code 0 30 2 * * ?} runs once on 2026-10-25 in Berlin. The exception is an expression
 *       whose hour field matches every hour: the repeated hour is a real, distinct hour for it, so
 *       {@code 0 0 * * * ?} fires at both 02:00s. This is the rule Vixie cron uses.
 * </ul>
 */
final class CronSchedule implements Schedule {

    /** Offset changes are far shorter; this only bounds the search for a nearby one. */
    private static final Duration LONGEST_TRANSITION = Duration.ofDays(1);

    private final String expression;
    private final ZoneId zone;
    private final Instant anchor;
    private final ExecutionTime wallClock;
    private final boolean firesEveryHour;

    private CronSchedule(CronSyntax.Parsed parsed, ZoneId zone, Instant anchor) {
        this.expression = parsed.expression();
        this.zone = zone;
        this.anchor = anchor;
        this.wallClock = parsed.wallClock();
        this.firesEveryHour = parsed.firesEveryHour();
    }

    static CronSchedule parse(String cron, ZoneId zone, Instant anchor) {
        CronSchedule schedule = new CronSchedule(CronSyntax.parse(cron), zone, anchor);
        if (schedule.nextFireAfter(anchor).isEmpty()) {
            throw CronSyntax.invalid(cron, "it never fires after " + anchor.truncatedTo(ChronoUnit.SECONDS)
                    + " (check the day-of-month, month and year fields)");
        }
        return schedule;
    }

    @Override
    public Optional<Instant> nextFireAfter(Instant after) {
        Optional<Instant> first = nextFirstOccurrence(after);
        if (!firesEveryHour) {
            return first;
        }
        Optional<Instant> repeat = nextRepeatedOccurrence(after);
        if (first.isEmpty() || repeat.isPresent() && repeat.get().isBefore(first.get())) {
            return repeat;
        }
        return first;
    }

    /**
     * Walks matching wall-clock times forward, each at its first occurrence. Those instants never
     * decrease as wall-clock time increases (gaps map to their end, repeats to the earlier
     * offset), so the first one after {@code after} is the answer; the loop only steps over the
     * earlier occurrences when {@code after} lies in a repeated hour.
     */
    private Optional<Instant> nextFirstOccurrence(Instant after) {
        LocalDateTime from = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.SECONDS);
        while (true) {
            Optional<LocalDateTime> next = nextWallClock(from);
            if (next.isEmpty()) {
                return Optional.empty();
            }
            Instant fire = firstOccurrence(next.get());
            if (fire.isAfter(after)) {
                return Optional.of(fire);
            }
            from = next.get();
        }
    }

    private Instant firstOccurrence(LocalDateTime wallClockTime) {
        ZoneOffsetTransition transition = zone.getRules().getTransition(wallClockTime);
        if (transition != null && transition.isGap()) {
            return transition.getInstant();
        }
        // Outside a gap, atZone picks the earlier offset when the time happens twice.
        return wallClockTime.atZone(zone).toInstant();
    }

    /**
     * The next second occurrence of a repeated wall-clock time after {@code after}. Only a repeat
     * whose transition is near {@code after} can come before the next first occurrence: any later
     * repeated hour is preceded by its own first occurrence.
     */
    private Optional<Instant> nextRepeatedOccurrence(Instant after) {
        Instant searchUntil = after.plus(LONGEST_TRANSITION);
        for (ZoneOffsetTransition t = zone.getRules().nextTransition(after.minus(LONGEST_TRANSITION));
                t != null && t.getInstant().isBefore(searchUntil);
                t = zone.getRules().nextTransition(t.getInstant())) {
            if (!t.isOverlap() || !t.getInstant().plus(t.getDuration().abs()).isAfter(after)) {
                continue;
            }
            // The repeated wall-clock span is [dateTimeAfter, dateTimeBefore), e.g. [02:00, 03:00).
            LocalDateTime from = t.getInstant().isAfter(after)
                    ? t.getDateTimeAfter().minusSeconds(1)
                    : LocalDateTime.ofInstant(after, t.getOffsetAfter()).truncatedTo(ChronoUnit.SECONDS);
            Optional<LocalDateTime> next = nextWallClock(from);
            if (next.isPresent() && next.get().isBefore(t.getDateTimeBefore())) {
                return Optional.of(next.get().toInstant(t.getOffsetAfter()));
            }
        }
        return Optional.empty();
    }

    private Optional<LocalDateTime> nextWallClock(LocalDateTime after) {
        return wallClock.nextExecution(after.atZone(ZoneOffset.UTC)).map(t -> t.toLocalDateTime());
    }

    @Override
    public Optional<String> cron() {
        return Optional.of(expression);
    }

    @Override
    public Optional<String> rate() {
        return Optional.empty();
    }

    @Override
    public String timezone() {
        return zone.getId();
    }

    @Override
    public Instant anchor() {
        return anchor;
    }

    @Override
    public String describe() {
        return "cron '" + expression + "' " + zone.getId();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CronSchedule other && expression.equals(other.expression)
                && zone.equals(other.zone) && anchor.equals(other.anchor);
    }

    @Override
    public int hashCode() {
        return expression.hashCode() * 31 + zone.hashCode() * 17 + anchor.hashCode();
    }

    @Override
    public String toString() {
        return describe();
    }
}
