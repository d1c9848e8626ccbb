package dev.aloft.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aloft.server.AloftException;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScheduleParseTest {

    private static final Instant CREATED = Instant.parse("2026-05-04T10:00:00Z");

    private static Schedule cron(String expression) {
        return Schedule.parse(Optional.of(expression), Optional.empty(), "UTC", CREATED);
    }

    private static Schedule rate(String rate) {
        return Schedule.parse(Optional.empty(), Optional.of(rate), "UTC", CREATED);
    }

    private static void assertInvalid(Runnable parse, String message) {
        assertThatThrownBy(parse::run)
                .isInstanceOfSatisfying(AloftException.class, e -> assertThat(e.httpStatus()).isEqualTo(400))
                .hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            0 */5 * * *          | expected 6 or 7 fields (sec min hour day-of-month month day-of-week [year]), got 5
            0 0 12 * * ? * *     | expected 6 or 7 fields (sec min hour day-of-month month day-of-week [year]), got 8
            ''                   | expected 6 or 7 fields (sec min hour day-of-month month day-of-week [year]), got 0
            0 61 * * * ?         | minute field '61': Value 61 not in range [0, 59]
            0 0 25 * * ?         | hour field '25': Value 25 not in range [0, 23]
            0 0 12 32 * ?        | day-of-month field '32': Value 32 not in range [1, 31]
            0 0 12 ? 13 *        | month field '13': Value 13 not in range [1, 12]
            0 0 12 ? * 8         | day-of-week field '8': Value 8 not in range [1, 7]
            0 0 12 * * ? 1969    | year field '1969': Value 1969 not in range [1970, 2099]
            0 0 12 ? * MON#6     | day-of-week field 'MON#6': the number after '#' must be 1 to 5 (e.g. 'FRI#3' for the third Friday of the month)
            */10 * * * * ?       | second field '*/10': schedules fire at most once a minute, so the second field must be a single number from 0 to 59, e.g. '0'
            0 0 12 * * *         | exactly one of day-of-month and day-of-week must be '?' (e.g. '0 0 12 * * ?' for every day, '0 0 12 ? * MON' for Mondays)
            0 0 12 ? * ?         | exactly one of day-of-month and day-of-week must be '?' (e.g. '0 0 12 * * ?' for every day, '0 0 12 ? * MON' for Mondays)
            0 0 12 1 * MON       | exactly one of day-of-month and day-of-week must be '?' (e.g. '0 0 12 * * ?' for every day, '0 0 12 ? * MON' for Mondays)
            0 0 12 30 2 ?        | it never fires after 2026-05-04T10:00:00Z (check the day-of-month, month and year fields)
            0 0 12 * * ? 2020    | it never fires after 2026-05-04T10:00:00Z (check the day-of-month, month and year fields)
            cron(0 0 12 * * ? *) | EventBridge's cron(...) takes 6 fields (min hour day-of-month month day-of-week year), got 7; cron(...) uses EventBridge's fields (min hour day-of-month month day-of-week year), for Quartz fields starting with seconds pass the expression without cron(...)
            cron(0 */5 * * * ?)  | year field '?': Invalid expression: ?; cron(...) uses EventBridge's fields (min hour day-of-month month day-of-week year), for Quartz fields starting with seconds pass the expression without cron(...)
            cron(0 12 * *)       | EventBridge's cron(...) takes 6 fields (min hour day-of-month month day-of-week year), got 4
            """)
    void malformedCronSaysWhichFieldIsWrong(String expression, String reason) {
        assertInvalid(() -> cron(expression), "cron expression '" + expression + "' is invalid: " + reason);
    }

    @Test
    void unknownCharactersInAFieldAreNamed() {
        assertThatThrownBy(() -> cron("0 0 12 ? * FUNDAY"))
                .hasMessageStartingWith("cron expression '0 0 12 ? * FUNDAY' is invalid: day-of-week field 'FUNDAY': ")
                .hasMessageContaining("FUNDAY");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            0 minutes            | the number must be a whole number from 1 to 2147483647, got 0
            -5 minutes           | the number must be a whole number from 1 to 2147483647, got -5
            99999999999999 days  | the number must be a whole number from 1 to 2147483647, got 99999999999999
            30 seconds           | the shortest rate is 1 minute
            1 second             | the shortest rate is 1 minute
            5 weeks              | the unit must be minutes, hours or days, got 'weeks'
            five minutes         | write it as a number and a unit, e.g. '5 minutes', '1 hour' or 'rate(2 days)'
            5                    | write it as a number and a unit, e.g. '5 minutes', '1 hour' or 'rate(2 days)'
            rate(5)              | write it as a number and a unit, e.g. '5 minutes', '1 hour' or 'rate(2 days)'
            """)
    void malformedRateSaysWhatToWrite(String rate, String reason) {
        assertInvalid(() -> rate(rate), "rate '" + rate + "' is invalid: " + reason);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Mars/Olympus
            ''
            Europe/Berlinn
            """)
    void unknownTimezoneNamesAnIanaExample(String timezone) {
        assertInvalid(() -> Schedule.parse(Optional.of("0 0 12 * * ?"), Optional.empty(), timezone, CREATED),
                "unknown timezone '" + timezone + "'; use an IANA name such as Europe/Berlin");
    }

    @Test
    void exactlyOneOfCronAndRate() {
        assertInvalid(() -> Schedule.parse(Optional.of("0 0 12 * * ?"), Optional.of("5 minutes"), "UTC", CREATED),
                "give either a cron expression or a rate, not both");
        assertInvalid(() -> Schedule.parse(Optional.empty(), Optional.empty(), "UTC", CREATED),
                "a schedule needs a cron expression (e.g. '0 */5 * * * ?') or a rate (e.g. '5 minutes')");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            0 */5 * * * ?          | 0 */5 * * * ?
            '  0 0 9 ? * mon-fri ' | 0 0 9 ? * MON-FRI
            0 15 10 ? * 6#3        | 0 15 10 ? * 6#3
            0 0 12 L * ? 2030      | 0 0 12 L * ? 2030
            cron(0 12 * * ? *)     | 0 0 12 * * ? *
            CRON(30 9 ? * MON *)   | 0 30 9 ? * MON *
            """)
    void cronIsStoredInCanonicalQuartzForm(String typed, String canonical) {
        Schedule schedule = Schedule.parse(Optional.of(typed), Optional.empty(), "Europe/Berlin", CREATED);

        assertThat(schedule.cron()).contains(canonical);
        assertThat(schedule.rate()).isEmpty();
        assertThat(schedule.timezone()).isEqualTo("Europe/Berlin");
        assertThat(schedule.describe()).isEqualTo("cron '" + canonical + "' Europe/Berlin");
        assertThat(Schedule.parse(schedule.cron(), schedule.rate(), schedule.timezone(), schedule.anchor()))
                .isEqualTo(schedule);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            5 minutes         | 5 minutes
            rate(5 minutes)   | 5 minutes
            1 minute          | 1 minute
            1 minutes         | 1 minute
            5 Minute          | 5 minutes
            ' rate( 1 HOUR ) '| 1 hour
            2 days            | 2 days
            """)
    void rateIsStoredInCanonicalForm(String typed, String canonical) {
        Schedule schedule = rate(typed);

        assertThat(schedule.rate()).contains(canonical);
        assertThat(schedule.cron()).isEmpty();
        assertThat(schedule.anchor()).isEqualTo(CREATED);
        assertThat(schedule.describe()).isEqualTo("rate(" + canonical + ")");
        assertThat(Schedule.parse(schedule.cron(), schedule.rate(), schedule.timezone(), schedule.anchor()))
                .isEqualTo(schedule);
    }
}
