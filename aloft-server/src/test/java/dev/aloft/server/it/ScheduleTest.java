package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Schedules fire functions as async invocations with the EventBridge event shape; downtime never floods. */
class ScheduleTest {

    static final MovableClock CLOCK = new MovableClock(Instant.parse("2026-11-26T10:00:30Z"));
    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start(s -> s, CLOCK);
        platform.deployFunction("ticked", "provided", "behave", "behave");
        platform.deployFunction("inputs", "provided", "behave", "behave");
        platform.deployFunction("other", "provided", "behave", "behave");
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    static HttpResponse<String> add(String function, String body) {
        return platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/" + function + "/schedules"))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static List<JsonNode> scheduledRuns(String function) {
        JsonNode page = TestPlatform.parse(platform.get("/api/v1/invocations?function=" + function + "&limit=1000").body());
        List<JsonNode> runs = new ArrayList<>();
        page.path("invocations").forEach(r -> {
            if (r.path("trigger").asText().equals("schedule")) {
                runs.add(r);
            }
        });
        return runs;
    }

    @Test
    void rateScheduleFiresWithTheScheduledEventShapeAndCatchesUpOnceAfterDowntime() {
        var added = add("ticked", "{\"rate\": \"5 minutes\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        JsonNode schedule = TestPlatform.parse(added.body());
        assertThat(schedule.path("nextFire").asText()).isEqualTo("2026-11-26T10:05:30Z");

        CLOCK.advance(Duration.ofMinutes(5));
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduledRuns("ticked").size() == 1);
        JsonNode run = scheduledRuns("ticked").getFirst();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                TestPlatform.parse(platform.get("/api/v1/invocations/" + run.path("id").asText()).body()).path("status").asText().equals("success"));
        JsonNode event = TestPlatform.parse(TestPlatform.parse(platform.get("/api/v1/invocations/" + run.path("id").asText()).body())
                .path("input").asText());
        assertThat(event.path("detail-type").asText()).isEqualTo("Scheduled Event");
        assertThat(event.path("source").asText()).isEqualTo("aws.events");
        assertThat(event.path("time").asText()).isEqualTo("2026-11-26T10:05:30Z");
        assertThat(event.path("resources").get(0).asText()).contains(schedule.path("id").asText());

        // Three hours of "downtime" (36 missed fires): the default catch-up fires once, not 36 times.
        CLOCK.advance(Duration.ofHours(3));
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduledRuns("ticked").size() == 2);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> scheduledRuns("ticked").size() == 2);
    }

    @Test
    void cronWithTimezoneAndConstantInput() {
        var added = add("inputs", "{\"cron\": \"0 0 12 * * ?\", \"timezone\": \"Europe/Berlin\", \"input\": {\"job\": \"report\"}}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        JsonNode schedule = TestPlatform.parse(added.body());
        assertThat(schedule.path("timezone").asText()).isEqualTo("Europe/Berlin");
        assertThat(Instant.parse(schedule.path("nextFire").asText()).atZone(ZoneId.of("Europe/Berlin")).toLocalTime())
                .isEqualTo(LocalTime.NOON);
        JsonNode listed = TestPlatform.parse(platform.get("/api/v1/functions/inputs/schedules").body());
        assertThat(listed.path("schedules")).hasSize(1);
        assertThat(listed.path("schedules").get(0).path("input").asText()).isEqualTo("{\"job\":\"report\"}");
    }

    @Test
    void aScheduleCanTargetAVersion() {
        platform.deployFunction("versioned", "provided", "behave", "behave");
        platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/versioned/versions")).POST(HttpRequest.BodyPublishers.noBody()));
        var added = add("versioned:1", "{\"rate\": \"1 hour\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        assertThat(TestPlatform.parse(added.body()).path("qualifier").asText()).isEqualTo("1");
        assertThat(add("versioned:nope", "{\"rate\": \"1 hour\"}").body()).contains("has no alias or version 'nope'");
    }

    @Test
    void badSchedulesAreRejectedWithTheReason() {
        assertThat(add("other", "{\"cron\": \"0 */5 * * *\"}").body()).contains("expected 6 or 7 fields");
        assertThat(add("other", "{\"rate\": \"0 minutes\"}").statusCode()).isEqualTo(400);
        assertThat(add("other", "{\"rate\": \"5 minutes\", \"timezone\": \"Mars/Olympus\"}").body()).contains("unknown timezone 'Mars/Olympus'");
        assertThat(add("other", "{\"rate\": \"5 minutes\", \"input\": \"not json\"}").statusCode()).isEqualTo(400);
        assertThat(add("other", "{}").statusCode()).isEqualTo(400);
        assertThat(add("other", "{\"rate\": \"5 minutes\", \"catchUp\": \"sometimes\"}").body()).contains("fire-once or skip");
        assertThat(add("nobody", "{\"rate\": \"5 minutes\"}").statusCode()).isEqualTo(404);
        var missing = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/schedules/sched-nope")).DELETE());
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    @Test
    void removingAScheduleAndDeletingItsFunction() {
        String id = TestPlatform.parse(add("other", "{\"rate\": \"1 hour\"}").body()).path("id").asText();
        var removed = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/schedules/" + id)).DELETE());
        assertThat(removed.statusCode()).isEqualTo(204);
        platform.deployFunction("doomed", "provided", "behave", "behave");
        add("doomed", "{\"rate\": \"1 hour\"}");
        platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/doomed")).DELETE());
        assertThat(platform.get("/api/v1/schedules").body()).doesNotContain("doomed");
    }
}
