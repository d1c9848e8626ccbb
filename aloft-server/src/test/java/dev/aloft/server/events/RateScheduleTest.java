package dev.aloft.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RateScheduleTest {

    private static final Instant CREATED = Instant.parse("2026-05-04T10:00:07Z");

    private static Schedule rate(String rate, String zone) {
        return Schedule.parse(Optional.empty(), Optional.of(rate), zone, CREATED);
    }

    @Test
    void firesAtTheAnchorPlusWholeIntervals() {
        Schedule everyFiveMinutes = rate("5 minutes", "UTC");

        assertThat(everyFiveMinutes.nextFireAfter(CREATED)).contains(Instant.parse("2026-05-04T10:05:07Z"));
        assertThat(everyFiveMinutes.nextFireAfter(Instant.parse("2026-05-04T10:05:07Z")))
                .contains(Instant.parse("2026-05-04T10:10:07Z"));
        assertThat(everyFiveMinutes.nextFireAfter(Instant.parse("2026-05-04T10:07:00Z")))
                .contains(Instant.parse("2026-05-04T10:10:07Z"));
        assertThat(everyFiveMinutes.nextFireAfter(Instant.parse("2026-05-05T10:00:06Z")))
                .contains(Instant.parse("2026-05-05T10:00:07Z"));
    }

    @Test
    void theFirstFireIsOneIntervalAfterTheAnchor() {
        assertThat(rate("1 hour", "UTC").nextFireAfter(CREATED.minusSeconds(3600)))
                .contains(Instant.parse("2026-05-04T11:00:07Z"));
    }

    @Test
    void aDailyRateCountsRealDaysAndIgnoresDaylightSaving() {
        Schedule daily = Schedule.parse(Optional.empty(), Optional.of("1 day"), "Europe/Berlin",
                Instant.parse("2026-03-28T12:00:00Z"));

        assertThat(daily.nextFireAfter(Instant.parse("2026-03-28T12:00:00Z")))
                .contains(Instant.parse("2026-03-29T12:00:00Z"));
    }
}
