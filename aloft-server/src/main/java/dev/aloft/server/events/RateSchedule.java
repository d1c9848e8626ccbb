package dev.aloft.server.events;

import dev.aloft.server.AloftException;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fires every {@code interval}, counted from the anchor, so a rate keeps its phase across
 * restarts and ignores time zones. Accepts "1 minutes" and "5 minute" although EventBridge does
 * not: the meaning is plain, and the canonical form is spelled correctly.
 */
final class RateSchedule implements Schedule {

    private static final Pattern WRAPPED = Pattern.compile("(?i)rate\\((.*)\\)");
    private static final Pattern VALUE_UNIT = Pattern.compile("(-?\\d+)\\s+([A-Za-z]+)");

    private final long value;
    private final String unit;
    private final Duration interval;
    private final ZoneId zone;
    private final Instant anchor;

    private RateSchedule(long value, String unit, Duration interval, ZoneId zone, Instant anchor) {
        this.value = value;
        this.unit = unit;
        this.interval = interval;
        this.zone = zone;
        this.anchor = anchor;
    }

    static RateSchedule parse(String rate, ZoneId zone, Instant anchor) {
        String body = rate.strip();
        Matcher wrapped = WRAPPED.matcher(body);
        if (wrapped.matches()) {
            body = wrapped.group(1).strip();
        }
        Matcher m = VALUE_UNIT.matcher(body);
        if (!m.matches()) {
            throw invalid(rate, "write it as a number and a unit, e.g. '5 minutes', '1 hour' or 'rate(2 days)'");
        }
        long value = value(rate, m.group(1));
        String unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "minute", "minutes" -> "minute";
            case "hour", "hours" -> "hour";
            case "day", "days" -> "day";
            case "second", "seconds" -> throw invalid(rate, "the shortest rate is 1 minute");
            default -> throw invalid(rate, "the unit must be minutes, hours or days, got '" + m.group(2) + "'");
        };
        Duration interval = switch (unit) {
            case "minute" -> Duration.ofMinutes(value);
            case "hour" -> Duration.ofHours(value);
            default -> Duration.ofDays(value);
        };
        return new RateSchedule(value, unit, interval, zone, anchor);
    }

    private static long value(String rate, String digits) {
        // Bounded so that any interval stays far from Duration's and Instant's limits.
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException tooManyDigits) {
            value = Long.MAX_VALUE;
        }
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw invalid(rate, "the number must be a whole number from 1 to " + Integer.MAX_VALUE
                    + ", got " + digits);
        }
        return value;
    }

    private static AloftException invalid(String rate, String reason) {
        return AloftException.invalid("rate '" + rate + "' is invalid: " + reason);
    }

    @Override
    public Optional<Instant> nextFireAfter(Instant after) {
        if (after.isBefore(anchor)) {
            return Optional.of(anchor.plus(interval));
        }
        long elapsedIntervals = Duration.between(anchor, after).dividedBy(interval);
        return Optional.of(anchor.plus(interval.multipliedBy(elapsedIntervals + 1)));
    }

    @Override
    public Optional<String> cron() {
        return Optional.empty();
    }

    @Override
    public Optional<String> rate() {
        return Optional.of(value + " " + unit + (value == 1 ? "" : "s"));
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
        return "rate(" + rate().orElseThrow() + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RateSchedule other && interval.equals(other.interval) && unit.equals(other.unit)
                && zone.equals(other.zone) && anchor.equals(other.anchor);
    }

    @Override
    public int hashCode() {
        return interval.hashCode() * 31 + zone.hashCode() * 17 + anchor.hashCode();
    }

    @Override
    public String toString() {
        return describe();
    }
}
