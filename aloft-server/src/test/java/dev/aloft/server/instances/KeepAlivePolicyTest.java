package dev.aloft.server.instances;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The learned keep-alive follows each function's idle times, and falls back when it cannot. */
class KeepAlivePolicyTest {

    private static final Duration DEFAULT = Duration.ofMinutes(5);

    @Test
    void frequentlyCalledFunctionIsKeptForItsShortIdleTimes() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < 50; i++) {
            policy.recordIdle("f:$LATEST", Duration.ofSeconds(10 + i / 2));
        }
        // Every idle time is under a minute: keep for the first bin's edge plus 10 %.
        assertThat(policy.keepAliveFor("f:$LATEST")).isEqualTo(Duration.ofSeconds(66));
    }

    @Test
    void functionCalledEveryTwentyMinutesStaysWarmBetweenCalls() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < 30; i++) {
            policy.recordIdle("g:$LATEST", Duration.ofMinutes(20).plusSeconds(i));
        }
        assertThat(policy.keepAliveFor("g:$LATEST")).isEqualTo(Duration.ofMillis((long) (21 * 60_000 * 1.1)));
    }

    @Test
    void theNinetyNinthPercentileIgnoresARareLongGap() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < 199; i++) {
            policy.recordIdle("h:$LATEST", Duration.ofSeconds(30));
        }
        policy.recordIdle("h:$LATEST", Duration.ofMinutes(90));
        assertThat(policy.keepAliveFor("h:$LATEST")).isEqualTo(Duration.ofSeconds(66));
    }

    @Test
    void tooFewSamplesOrMostlyHoursApartUseTheDefault() {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        assertThat(policy.keepAliveFor("new:$LATEST")).isEqualTo(DEFAULT);
        for (int i = 0; i < KeepAlivePolicy.MIN_SAMPLES - 1; i++) {
            policy.recordIdle("few:$LATEST", Duration.ofSeconds(10));
        }
        assertThat(policy.keepAliveFor("few:$LATEST")).isEqualTo(DEFAULT);
        for (int i = 0; i < 20; i++) {
            policy.recordIdle("rare:$LATEST", Duration.ofHours(6));
        }
        for (int i = 0; i < 10; i++) {
            policy.recordIdle("rare:$LATEST", Duration.ofSeconds(10));
        }
        assertThat(policy.keepAliveFor("rare:$LATEST")).isEqualTo(DEFAULT);
        policy.forget("f:$LATEST");
    }
}
