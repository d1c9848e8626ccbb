package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An event that waits past its function's maxEventAgeSeconds is not run again: it is dead-lettered. */
class AsyncEventAgeTest {

    @Test
    void anEventOlderThanItsMaximumAgeIsDeadLetteredInsteadOfRetried() {
        MovableClock clock = new MovableClock(Instant.parse("2026-11-26T10:00:00Z"));
        try (TestPlatform platform = TestPlatform.start(s -> s.with("async-retry-base-ms", "30000"), clock)) {
            var body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
            body.put("maxEventAgeSeconds", 60);
            assertThat(platform.deploy("aging", body).statusCode()).isEqualTo(201);
            var accepted = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/aging/invoke"))
                    .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString("{\"fail\": \"flaky\"}")));
            String id = TestPlatform.parse(accepted.body()).path("invocationId").asText();
            // The first attempt fails; its retry is due 15–45 s later on the (stopped) clock.
            await().atMost(Duration.ofSeconds(10)).until(() -> record(platform, id).path("attempt").asInt() == 1
                    && record(platform, id).path("status").asText().equals("queued"));

            clock.advance(Duration.ofMinutes(2));
            await().atMost(Duration.ofSeconds(10)).until(() -> record(platform, id).path("status").asText().equals("undelivered"));
            JsonNode record = record(platform, id);
            assertThat(record.path("errorType").asText()).isEqualTo("EventAgeExceeded");
            assertThat(record.path("attempt").asInt()).isEqualTo(1);
            JsonNode letters = TestPlatform.parse(platform.get("/api/v1/functions/aging/dead-letters").body()).path("deadLetters");
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).path("condition").asText()).isEqualTo("EventAgeExceeded");
        }
    }

    private static JsonNode record(TestPlatform platform, String id) {
        return TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body());
    }
}
