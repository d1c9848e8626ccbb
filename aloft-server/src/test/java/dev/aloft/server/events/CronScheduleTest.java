package dev.aloft.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CronScheduleTest {

    private static final Instant CREATED = Instant.parse("2020-01-01T00:00:00Z");

    private static Schedule cron(String expression, String zone) {
        return Schedule.parse(Optional.of(expression), Optional.empty(), zone, CREATED);
    }

    /** The next {@code count} fires after {@code after}, as ISO instants. */
    private static List<String> fires(String expression, String zone, String after, int count) {
        Schedule schedule = cron(expression, zone);
        List<String> fires = new ArrayList<>();
        Instant t = Instant.parse(after);
        for (int i = 0; i < count; i++) {
            t = schedule.nextFireAfter(t).orElseThrow();
            fires.add(t.toString());
        }
        return fires;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            0 */5 * * * ?           | UTC           | 2026-05-04T10:02:30Z | 2026-05-04T10:05:00Z, 2026-05-04T10:10:00Z
            0 */5 * * * ?           | UTC           | 2026-05-04T10:05:00Z | 2026-05-04T10:10:00Z, 2026-05-04T10:15:00Z
            0 0 9 ? * MON-FRI       | Europe/Berlin | 2026-05-08T07:00:00Z | 2026-05-11T07:00:00Z, 2026-05-12T07:00:00Z
            0 0 12 L * ?            | UTC           | 2026-02-01T00:00:00Z | 2026-02-28T12:00:00Z, 2026-03-31T12:00:00Z
            0 0 12 L * ?            | UTC           | 2028-02-01T00:00:00Z | 2028-02-29T12:00:00Z, 2028-03-31T12:00:00Z
            0 15 10 ? * 6#3         | UTC           | 2026-01-01T00:00:00Z | 2026-01-16T10:15:00Z, 2026-02-20T10:15:00Z
            0 0 12 LW * ?           | UTC           | 2026-01-01T00:00:00Z | 2026-01-30T12:00:00Z, 2026-02-27T12:00:00Z
            0 0 12 ? * FRIL         | UTC           | 2026-01-01T00:00:00Z | 2026-01-30T12:00:00Z, 2026-02-27T12:00:00Z
            cron(0 12 * * ? *)      | UTC           | 2026-01-01T12:00:00Z | 2026-01-02T12:00:00Z, 2026-01-03T12:00:00Z
            0 0 12 * * ?            | UTC           | 2026-01-01T12:00:00.5Z | 2026-01-02T12:00:00Z, 2026-01-03T12:00:00Z
            """)
    void firesAtTheNextMatchingTimeStrictlyAfter(String expression, String zone, String after, String expected) {
        List<String> want = List.of(expected.split(",\\s*"));
        assertThat(fires(expression, zone, after, want.size())).isEqualTo(want);
    }

    @Test
    void aYearFieldRunsOut() {
        Schedule once = cron("0 0 0 1 1 ? 2027", "UTC");

        assertThat(once.nextFireAfter(Instant.parse("2026-06-01T00:00:00Z")))
                .contains(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(once.nextFireAfter(Instant.parse("2027-01-01T00:00:00Z"))).isEmpty();
    }

    // Spring forward: a wall-clock time inside the gap fires once, at the first instant after it.

    @Test
    void dailyJobInTheSpringForwardGapFiresAtTheEndOfTheGapInBerlin() {
        // 2026-03-29 02:00 CET -> 03:00 CEST, at 01:00Z; 02:30 does not exist that day.
        assertThat(fires("0 30 2 * * ?", "Europe/Berlin", "2026-03-27T12:00:00Z", 3)).containsExactly(
                "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z");
    }

    @Test
    void dailyJobInTheSpringForwardGapFiresAtTheEndOfTheGapInNewYork() {
        // 2026-03-08 02:00 EST -> 03:00 EDT, at 07:00Z.
        assertThat(fires("0 30 2 * * ?", "America/New_York", "2026-03-06T12:00:00Z", 3)).containsExactly(
                "2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Europe/Berlin    | 2026-03-28T22:30:00Z | 2026-03-28T23:00:00Z, 2026-03-29T00:00:00Z, 2026-03-29T01:00:00Z, 2026-03-29T02:00:00Z
            America/New_York | 2026-03-08T04:30:00Z | 2026-03-08T05:00:00Z, 2026-03-08T06:00:00Z, 2026-03-08T07:00:00Z, 2026-03-08T08:00:00Z
            """)
    void hourlyJobFiresEveryRealHourAcrossSpringForward(String zone, String after, String expected) {
        assertThat(fires("0 0 * * * ?", zone, after, 4)).containsExactly(expected.split(",\\s*"));
    }

    @Test
    void timesInsideTheGapCollapseIntoOneFire() {
        // 01:45 CET, then 02:00-02:45 (missing) and 03:00 CEST are all 01:00Z, then 03:15 CEST.
        assertThat(fires("0 */15 * * * ?", "Europe/Berlin", "2026-03-29T00:40:00Z", 3)).containsExactly(
                "2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z");
    }

    // Fall back: a repeated wall-clock time fires once, unless the hour field matches every hour.

    @Test
    void dailyJobInTheRepeatedHourFiresOnceInBerlin() {
        // 2026-10-25 03:00 CEST -> 02:00 CET, at 01:00Z; 02:30 happens at 00:30Z and 01:30Z.
        assertThat(fires("0 30 2 * * ?", "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).containsExactly(
                "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z");
    }

    @Test
    void dailyJobInTheRepeatedHourFiresOnceInNewYork() {
        // 2026-11-01 02:00 EDT -> 01:00 EST, at 06:00Z; 01:30 happens at 05:30Z and 06:30Z.
        assertThat(fires("0 30 1 * * ?", "America/New_York", "2026-10-31T12:00:00Z", 2)).containsExactly(
                "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z");
    }

    @Test
    void dailyJobDoesNotFireAgainWhenAskedFromInsideTheRepeat() {
        assertThat(fires("0 30 2 * * ?", "Europe/Berlin", "2026-10-25T01:15:00Z", 1))
                .containsExactly("2026-10-26T01:30:00Z");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Europe/Berlin    | 2026-10-24T21:30:00Z | 2026-10-24T22:00:00Z, 2026-10-24T23:00:00Z, 2026-10-25T00:00:00Z, 2026-10-25T01:00:00Z, 2026-10-25T02:00:00Z
            America/New_York | 2026-11-01T03:30:00Z | 2026-11-01T04:00:00Z, 2026-11-01T05:00:00Z, 2026-11-01T06:00:00Z, 2026-11-01T07:00:00Z, 2026-11-01T08:00:00Z
            Europe/Berlin    | 2026-10-25T00:30:00Z | 2026-10-25T01:00:00Z, 2026-10-25T02:00:00Z, 2026-10-25T03:00:00Z, 2026-10-25T04:00:00Z, 2026-10-25T05:00:00Z
            Europe/Berlin    | 2026-10-25T01:30:00Z | 2026-10-25T02:00:00Z, 2026-10-25T03:00:00Z, 2026-10-25T04:00:00Z, 2026-10-25T05:00:00Z, 2026-10-25T06:00:00Z
            """)
    void hourlyJobFiresInBothCopiesOfTheRepeatedHour(String zone, String after, String expected) {
        assertThat(fires("0 0 * * * ?", zone, after, 5)).containsExactly(expected.split(",\\s*"));
    }

    @Test
    void halfHourlyJobFiresEveryRealHalfHourThroughTheRepeat() {
        assertThat(fires("0 */30 * * * ?", "America/New_York", "2026-11-01T04:50:00Z", 5)).containsExactly(
                "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z",
                "2026-11-01T07:00:00Z");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"})
    void dailyJobFiresOncePerLocalDayAllYear(String zone) {
        Schedule daily = cron("0 30 2 * * ?", zone);
        Set<LocalDate> days = new HashSet<>();
        Instant t = LocalDate.of(2026, 1, 1).atStartOfDay(ZoneId.of(zone)).toInstant();
        Instant end = LocalDate.of(2027, 1, 1).atStartOfDay(ZoneId.of(zone)).toInstant();
        int count = 0;
        for (t = daily.nextFireAfter(t).orElseThrow(); t.isBefore(end); t = daily.nextFireAfter(t).orElseThrow()) {
            days.add(LocalDate.ofInstant(t, ZoneId.of(zone)));
            count++;
        }
        assertThat(count).isEqualTo(365);
        assertThat(days).hasSize(365);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Europe/Berlin", "America/New_York", "UTC"})
    void hourlyJobFiresExactlyOnceEveryRealHourAllYear(String zone) {
        Schedule hourly = cron("0 0 * * * ?", zone);
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 365 * 24; i++) {
            Instant next = hourly.nextFireAfter(t).orElseThrow();
            assertThat(Duration.between(t, next)).as("after %s", t).isEqualTo(Duration.ofHours(1));
            t = next;
        }
    }
}
