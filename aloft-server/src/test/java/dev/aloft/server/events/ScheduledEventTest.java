package dev.aloft.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aloft.server.AloftException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScheduledEventTest {

    private static final UUID ID = UUID.fromString("53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa");
    private static final Instant FIRE = Instant.parse("2026-11-26T10:00:00.123Z");

    @Test
    void hasEventBridgesScheduledEventShape() {
        byte[] event = ScheduledEvent.scheduledEvent("nightly", FIRE, "local", ID);

        assertThat(new String(event, StandardCharsets.UTF_8)).isEqualTo("""
                {"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event",\
                "source":"aws.events","account":"000000000000","time":"2026-11-26T10:00:00Z","region":"local",\
                "resources":["arn:aws:events:local:000000000000:rule/nightly"],"detail":{}}""");
    }

    @Test
    void payloadIsTheScheduledEventWithoutInput() {
        assertThat(ScheduledEvent.payloadFor(Optional.empty(), "nightly", FIRE, "local", ID))
                .isEqualTo(ScheduledEvent.scheduledEvent("nightly", FIRE, "local", ID));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"report\": \"daily\"}", "[1, 2]", "\"text\"", "42", "null"})
    void constantInputReplacesTheEventVerbatim(String input) {
        assertThat(ScheduledEvent.payloadFor(Optional.of(input), "nightly", FIRE, "local", ID))
                .isEqualTo(input.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{oops", "{\"a\": 1} {\"b\": 2}", "report=daily"})
    void inputThatIsNotJsonIsRejected(String input) {
        assertThatThrownBy(() -> ScheduledEvent.payloadFor(Optional.of(input), "nightly", FIRE, "local", ID))
                .isInstanceOfSatisfying(AloftException.class, e -> assertThat(e.httpStatus()).isEqualTo(400))
                .hasMessageStartingWith("input '" + input + "' is not valid JSON: ")
                .hasMessageContaining(" at line 1, column ")
                .hasMessageEndingWith("; pass a JSON document such as '{\"key\": \"value\"}'");
    }

    @Test
    void emptyInputIsRejected() {
        assertThatThrownBy(() -> ScheduledEvent.requireJson("  "))
                .isInstanceOf(AloftException.class)
                .hasMessage("input is empty; pass a JSON document such as '{\"key\": \"value\"}' "
                        + "or leave the input out to send the scheduled event");
    }
}
