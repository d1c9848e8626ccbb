package dev.aloft.server;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where a setting's value comes from, and what a bad one is told. */
class ServerSettingsTest {

    @Test
    void startsAtOnceDefaultToTheCpusAndGiveWayToTheEnvironmentAndFlags() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertThat(ServerSettings.resolve(Map.of(), Map.of()).maxParallelStarts()).isEqualTo(cpus);
        assertThat(ServerSettings.resolve(Map.of(), Map.of("ALOFT_MAX_PARALLEL_STARTS", "5")).maxParallelStarts()).isEqualTo(5);
        assertThat(ServerSettings.resolve(Map.of("max-parallel-starts", "7"), Map.of("ALOFT_MAX_PARALLEL_STARTS", "5"))
                .maxParallelStarts()).isEqualTo(7);
    }

    @Test
    void aBadValueNamesTheSettingAndWhatItTakes() {
        assertThatThrownBy(() -> ServerSettings.resolve(Map.of("max-parallel-starts", "0"), Map.of()))
                .isInstanceOf(AloftException.class)
                .hasMessage("setting 'max-parallel-starts' must be between 1 and 1000, got 0");
        assertThatThrownBy(() -> ServerSettings.resolve(Map.of(), Map.of("ALOFT_MAX_PARALLEL_STARTS", "many")))
                .hasMessage("setting 'max-parallel-starts' must be a whole number, got 'many'");
        // 1 s could close connections in use: Helidon's request clock ticks about once a second.
        assertThatThrownBy(() -> ServerSettings.resolve(Map.of("idle-connection-seconds", "1"), Map.of()))
                .hasMessage("setting 'idle-connection-seconds' must be between 2 and 86400, got 1");
        assertThatThrownBy(() -> ServerSettings.resolve(Map.of("prewarm", "nodejs20=1,python3=1,nodejs20=2"), Map.of()))
                .hasMessage("setting 'prewarm' names nodejs20 twice; give each runtime one count, e.g. nodejs20=1,python3=1 or none");
    }
}
