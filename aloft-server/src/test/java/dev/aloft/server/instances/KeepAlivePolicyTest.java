package dev.aloft.server.instances;

import dev.aloft.server.instances.KeepAlivePolicy.IdleWindow;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The learned idle window follows each function's idle times, and falls back when it cannot. */
class KeepAlivePolicyTest {

    private static final Duration DEFAULT = Duration.ofMinutes(5);
    private static final IdleWindow FALLBACK = new IdleWindow(Duration.ZERO, DEFAULT);

    @Test
    void frequentlyCalledFunctionIsKeptForItsShortIdleTimes() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < 50; i++) {
            policy.recordIdle("f:$LATEST", Duration.ofSeconds(10 + i / 2));
        }
        // Every idle time is under a minute: keep from the start, for the first bin's edge plus 10 %.
        assertThat(policy.windowFor("f:$LATEST")).isEqualTo(new IdleWindow(Duration.ZERO, Duration.ofSeconds(66)));
    }

    @Test
    void functionCalledEveryTwentyMinutesHoldsNoInstanceUntilShortlyBeforeItsNextCall() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < 30; i++) {
            policy.recordIdle("g:$LATEST", Duration.ofMinutes(20).plusSeconds(i));
        }
        // Head: the 20-minute bin's lower edge less 10 %; tail: its upper edge plus 10 %.
        assertThat(policy.windowFor("g:$LATEST")).isEqualTo(
                new IdleWindow(Duration.ofMinutes(18), Duration.ofMillis((long) (21 * 60_000 * 1.1))));
        assertThat(policy.windowFor("g:$LATEST").prewarms()).isTrue();
    }

    @Test
    void callsThatSometimesComeWithinAMinuteKeepInstancesFromTheStart() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < 90; i++) {
            policy.recordIdle("m:$LATEST", Duration.ofMinutes(10));
        }
        for (int i = 0; i < 10; i++) {
            policy.recordIdle("m:$LATEST", Duration.ofSeconds(5));
        }
        // 10 % of the gaps are seconds long: the 5th percentile is in the first bin, so no pre-warming.
        IdleWindow window = policy.windowFor("m:$LATEST");
        assertThat(window.prewarms()).isFalse();
        assertThat(window.keepUntil()).isEqualTo(Duration.ofMillis((long) (11 * 60_000 * 1.1)));
    }

    @Test
    void aFunctionWhoseCallsComeCloserStopsBeingUnloadedWithinADozenCalls() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < 1000; i++) {
            policy.recordIdle("r:$LATEST", Duration.ofMinutes(10));
        }
        assertThat(policy.windowFor("r:$LATEST").prewarms()).isTrue();
        for (int i = 0; i < 12; i++) {
            policy.recordIdle("r:$LATEST", Duration.ofSeconds(10));
        }
        // Without ageing, 12 of 1012 would be 1.2 %, under the 5th percentile, and every call would stay cold.
        assertThat(policy.windowFor("r:$LATEST").prewarms()).isFalse();
    }

    @Test
    void theNinetyNinthPercentileIgnoresARareLongGap() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < 199; i++) {
            policy.recordIdle("h:$LATEST", Duration.ofSeconds(30));
        }
        policy.recordIdle("h:$LATEST", Duration.ofMinutes(90));
        assertThat(policy.windowFor("h:$LATEST")).isEqualTo(new IdleWindow(Duration.ZERO, Duration.ofSeconds(66)));
    }

    @Test
    void tooFewSamplesOrMostlyHoursApartUseTheDefaultWithoutPrewarming() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        assertThat(policy.windowFor("new:$LATEST")).isEqualTo(FALLBACK);
        for (int i = 0; i < KeepAlivePolicy.MIN_SAMPLES - 1; i++) {
            policy.recordIdle("few:$LATEST", Duration.ofMinutes(10));
        }
        assertThat(policy.windowFor("few:$LATEST")).isEqualTo(FALLBACK);
        for (int i = 0; i < 20; i++) {
            policy.recordIdle("rare:$LATEST", Duration.ofHours(6));
        }
        for (int i = 0; i < 10; i++) {
            policy.recordIdle("rare:$LATEST", Duration.ofMinutes(10));
        }
        assertThat(policy.windowFor("rare:$LATEST")).isEqualTo(FALLBACK);
    }

    @Test
    void aForgottenFunctionStartsOverFromTheDefault() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < 30; i++) {
            policy.recordIdle("gone:$LATEST", Duration.ofMinutes(10));
        }
        assertThat(policy.windowFor("gone:$LATEST").prewarms()).isTrue();
        policy.forget("gone:$LATEST");
        assertThat(policy.windowFor("gone:$LATEST")).isEqualTo(FALLBACK);
    }
}
