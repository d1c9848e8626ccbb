package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Each line an instance prints is stored with the invocation it was serving. */
class LogsTest {

    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
        platform.deployFunction("talker", "provided", "behave", "behave");
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    private static JsonNode logs(String query) {
        var response = platform.get("/api/v1/functions/talker/logs" + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestPlatform.parse(response.body());
    }

    @Test
    void linesAreAttributedToTheirInvocation() {
        var first = platform.invoke("talker", "{\"print\": [\"one\", \"two\"], \"stderr\": \"warn\"}");
        var second = platform.invoke("talker", "{\"print\": [\"three\"]}");
        String firstId = first.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
        String secondId = second.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(logs("?invocationId=" + firstId).path("logs")).hasSize(3));
        JsonNode firstLines = logs("?invocationId=" + firstId).path("logs");
        assertThat(firstLines).extracting(l -> l.path("line").asText()).containsExactlyInAnyOrder("one", "two", "warn");
        assertThat(firstLines).extracting(l -> l.path("stream").asText()).contains("stdout", "stderr");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(logs("?invocationId=" + secondId).path("logs")).extracting(l -> l.path("line").asText())
                        .containsExactly("three"));
    }

    @Test
    void linesAreThereAsSoonAsTheInvocationAnswers() {
        for (int i = 0; i < 100; i++) {
            var response = platform.invoke("talker", "{\"print\": [\"line " + i + "\"]}");
            String id = response.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
            assertThat(logs("?invocationId=" + id).path("logs")).as("invocation " + i)
                    .extracting(l -> l.path("line").asText()).containsExactly("line " + i);
        }
    }

    @Test
    void linesPrintedRightBeforeAnAnswerStayWithItWhenTheInstanceIsHandedOverAtOnce() throws Exception {
        ObjectNode body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("concurrency", 1);
        assertThat(platform.deploy("chatty", body).statusCode()).isEqualTo(201);
        // Two callers on one instance: each answer's instance goes straight to the other's queued call.
        Map<String, String> markerById = new ConcurrentHashMap<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int caller = 0; caller < 2; caller++) {
                int c = caller;
                callers.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        String marker = "caller" + c + "-call" + i;
                        String lines = IntStream.range(0, 200).mapToObj(n -> "\"" + marker + " line " + n + "\"")
                                .collect(Collectors.joining(","));
                        var response = platform.invoke("chatty", "{\"print\": [" + lines + "]}");
                        markerById.put(response.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow(), marker);
                    }
                    return null;
                });
            }
        }
        assertThat(markerById).hasSize(20);
        markerById.forEach((id, marker) -> {
            JsonNode lines = TestPlatform.parse(platform.get("/api/v1/functions/chatty/logs?invocationId=" + id + "&limit=1000").body())
                    .path("logs");
            assertThat(lines).as(marker).hasSize(200).allSatisfy(l -> assertThat(l.path("line").asText()).startsWith(marker + " "));
        });
    }

    @Test
    void pagingByCursorReturnsOnlyNewerLines() {
        JsonNode before = logs("?limit=1000");
        long cursor = before.path("nextCursor").asLong();
        platform.invoke("talker", "{\"print\": [\"later\"]}");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(logs("?after=" + cursor).path("logs")).extracting(l -> l.path("line").asText()).containsExactly("later"));
    }

    @Test
    void badLogQueriesAreRejected() {
        assertThat(platform.get("/api/v1/functions/talker/logs?limit=0").statusCode()).isEqualTo(400);
        assertThat(platform.get("/api/v1/functions/talker/logs?after=abc").body()).contains("after must be a whole number");
        assertThat(platform.get("/api/v1/functions/missing/logs").statusCode()).isEqualTo(404);
    }
}
