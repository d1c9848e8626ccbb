package dev.aloft.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ScheduleCatchUpTest {

    private static final Instant CREATED = Instant.parse("2026-05-04T09:30:00Z");
    private static final Schedule HOURLY =
            Schedule.parse(Optional.of("0 0 * * * ?"), Optional.empty(), "Europe/Berlin", CREATED);
    private static final Schedule EVERY_MINUTE =
            Schedule.parse(Optional.of("0 * * * * ?"), Optional.empty(), "UTC", CREATED);

    private static Instant at(String time) {
        return Instant.parse("2026-05-04T" + time + "Z");
    }

    @ParameterizedTest
    @EnumSource(CatchUp.class)
    void aTickEverySecondRunsEachFireOnce(CatchUp policy) {
        assertThat(EVERY_MINUTE.dueFires(at("10:00:00"), at("10:00:59"), policy)).isEmpty();
        assertThat(EVERY_MINUTE.dueFires(at("10:00:00"), at("10:01:00"), policy)).containsExactly(at("10:01:00"));
        assertThat(EVERY_MINUTE.dueFires(at("10:00:59.9"), at("10:01:00.9"), policy)).containsExactly(at("10:01:00"));
        assertThat(EVERY_MINUTE.dueFires(at("10:01:00"), at("10:01:01"), policy)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(CatchUp.class)
    void aFireUpToAMinuteLateIsStillOnTime(CatchUp policy) {
        assertThat(HOURLY.dueFires(at("10:00:00"), at("11:00:59.999"), policy)).containsExactly(at("11:00:00"));
    }

    @Test
    void fireOnceRunsOnlyTheLatestMissedFireAfterAThreeHourOutage() {
        // Down from just after 10:00 to 13:30: 11:00, 12:00 and 13:00 were missed.
        assertThat(HOURLY.dueFires(at("10:00:00"), at("13:30:00"), CatchUp.FIRE_ONCE)).containsExactly(at("13:00:00"));
    }

    @Test
    void skipRunsNothingAfterAThreeHourOutage() {
        assertThat(HOURLY.dueFires(at("10:00:00"), at("13:30:00"), CatchUp.SKIP)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(CatchUp.class)
    void anOnTimeFireCoversTheMissedOnes(CatchUp policy) {
        // Back at 13:00:00.5: 11:00 and 12:00 were missed, 13:00 is on time.
        assertThat(HOURLY.dueFires(at("10:00:00"), at("13:00:00.5"), policy)).containsExactly(at("13:00:00"));
    }

    @Test
    void fireOnceFindsTheLatestMissedFireOfARateAfterALongOutage() {
        Schedule everyFiveMinutes = Schedule.parse(Optional.empty(), Optional.of("5 minutes"), "UTC", CREATED);

        assertThat(everyFiveMinutes.dueFires(CREATED, CREATED.plusSeconds(30 * 24 * 3600 + 150), CatchUp.FIRE_ONCE))
                .containsExactly(CREATED.plusSeconds(30 * 24 * 3600));
    }

    @Test
    void fireOnceFindsASparseMissedFire() {
        Schedule monthly = Schedule.parse(Optional.of("0 0 12 L * ?"), Optional.empty(), "UTC", CREATED);

        assertThat(monthly.dueFires(CREATED, Instant.parse("2026-08-15T00:00:00Z"), CatchUp.FIRE_ONCE))
                .containsExactly(Instant.parse("2026-07-31T12:00:00Z"));
        assertThat(monthly.dueFires(CREATED, Instant.parse("2026-05-30T00:00:00Z"), CatchUp.FIRE_ONCE)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(CatchUp.class)
    void nothingIsDueBeforeTheFirstFire(CatchUp policy) {
        assertThat(HOURLY.dueFires(CREATED, at("09:59:59"), policy)).isEmpty();
        assertThat(HOURLY.dueFires(CREATED, at("10:00:00"), policy)).containsExactly(at("10:00:00"));
    }
}
