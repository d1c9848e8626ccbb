package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Immutable versions, aliases with weighted traffic, and NAME:QUALIFIER wherever a function is invoked. */
class VersionsTest {

    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    private static void deployWithGreeting(String name, String greeting) {
        ObjectNode body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.putObject("environment").put("GREETING", greeting);
        body.put("public", true);
        var response = platform.deploy(name, body);
        assertThat(response.statusCode() / 100).as(response.body()).isEqualTo(2);
    }

    private static HttpResponse<String> post(String path, String body) {
        return platform.send(HttpRequest.newBuilder(platform.url(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> put(String path, String body) {
        return platform.send(HttpRequest.newBuilder(platform.url(path)).PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static String greetingOf(String target) {
        var response = platform.invoke(target, "{}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestPlatform.parse(response.body()).path("env").path("GREETING").asText();
    }

    @Test
    void publishedVersionsAreImmutableSnapshots() {
        deployWithGreeting("greeter", "v1");
        var first = post("/api/v1/functions/greeter/versions", "{\"description\": \"first\"}");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(TestPlatform.parse(first.body()).path("version").asText()).isEqualTo("1");
        var again = post("/api/v1/functions/greeter/versions", "{}");
        assertThat(again.statusCode()).as("nothing changed: the same version").isEqualTo(200);
        assertThat(TestPlatform.parse(again.body()).path("version").asText()).isEqualTo("1");

        deployWithGreeting("greeter", "v2");
        assertThat(TestPlatform.parse(post("/api/v1/functions/greeter/versions", "{}").body()).path("version").asText()).isEqualTo("2");
        deployWithGreeting("greeter", "latest");

        assertThat(greetingOf("greeter:1")).isEqualTo("v1");
        assertThat(greetingOf("greeter:2")).isEqualTo("v2");
        assertThat(greetingOf("greeter")).isEqualTo("latest");
        assertThat(greetingOf("greeter:$LATEST")).isEqualTo("latest");
        JsonNode env = TestPlatform.parse(platform.invoke("greeter:1", "{}").body()).path("env");
        assertThat(env.path("AWS_LAMBDA_FUNCTION_VERSION").asText()).isEqualTo("1");
        assertThat(TestPlatform.parse(platform.get("/api/v1/functions/greeter/versions").body()).path("versions")).hasSize(2);

        var missing = platform.invoke("greeter:9", "{}");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("function 'greeter' has no version 9 (latest is 2)");
    }

    @Test
    void weightedAliasSplitsTrafficAndRollsBackInstantly() {
        deployWithGreeting("canary", "stable");
        post("/api/v1/functions/canary/versions", "{}");
        deployWithGreeting("canary", "new");
        post("/api/v1/functions/canary/versions", "{}");

        var alias = put("/api/v1/functions/canary/aliases/live",
                "{\"version\": \"1\", \"additionalVersion\": \"2\", \"additionalWeight\": 0.25}");
        assertThat(alias.statusCode()).as(alias.body()).isEqualTo(200);
        int runs = 400;
        int onNew = 0;
        for (int i = 0; i < runs; i++) {
            if (greetingOf("canary:live").equals("new")) {
                onNew++;
            }
        }
        // Binomial(400, 0.25): mean 100, standard deviation ~8.7; ±4.5σ keeps a false alarm below 1 in 100,000.
        assertThat(onNew).isBetween(61, 139);

        put("/api/v1/functions/canary/aliases/live", "{\"version\": \"1\"}");
        for (int i = 0; i < 20; i++) {
            assertThat(greetingOf("canary:live")).isEqualTo("stable");
        }
        var url = platform.sendRaw(HttpRequest.newBuilder(platform.url("/fn/canary:live/path")).GET());
        assertThat(url.statusCode()).isEqualTo(200);
        String id = url.headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
        JsonNode record = TestPlatform.parse(platform.get("/api/v1/invocations/" + id).body());
        assertThat(record.path("version").asText()).isEqualTo("1");
        assertThat(record.path("qualifier").asText()).isEqualTo("live");
    }

    @Test
    void replayAgainstAFixedVersion() {
        deployWithGreeting("fixme", "broken");
        post("/api/v1/functions/fixme/versions", "{}");
        String original = platform.invoke("fixme", "{}").headers().firstValue("X-Aloft-Invocation-Id").orElseThrow();
        deployWithGreeting("fixme", "fixed");
        post("/api/v1/functions/fixme/versions", "{}");
        var replay = post("/api/v1/invocations/" + original + "/replay?version=2", "");
        assertThat(TestPlatform.parse(replay.body()).path("env").path("GREETING").asText()).isEqualTo("fixed");
    }

    /** What the scaling API says of one pool of the function: {@code version} "$LATEST" or a number. */
    private static int instances(String name, String version, String state) {
        JsonNode pools = TestPlatform.parse(platform.get("/api/v1/functions/" + name + "/scaling").body()).path("pools");
        return StreamSupport.stream(pools.spliterator(), false).filter(pool -> pool.path("version").asText().equals(version))
                .findFirst().map(pool -> pool.path("instances").path(state).asInt()).orElse(0);
    }

    @Test
    void theConcurrencyLimitCapsTheFunctionOverAllItsVersions() {
        ObjectNode body = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        body.put("concurrency", 4);
        assertThat(platform.deploy("capped", body).statusCode()).isEqualTo(201);
        post("/api/v1/functions/capped/versions", "{}");
        // The limit now is 1, whatever version 1 was published with.
        body.put("concurrency", 1);
        body.putObject("environment").put("GREETING", "next");
        assertThat(platform.deploy("capped", body).statusCode()).isEqualTo(200);

        CompletableFuture<HttpResponse<String>> latest = CompletableFuture.supplyAsync(
                () -> platform.invoke("capped", "{\"sleep_ms\": 1500}"));
        await().until(() -> instances("capped", "$LATEST", "busy") == 1);
        CompletableFuture<HttpResponse<String>> version = CompletableFuture.supplyAsync(() -> platform.invoke("capped:1", "{}"));
        // Version 1 has a pool of its own, yet waits: the limit of 1 is the function's.
        await().until(() -> instances("capped", "1", "waitingCallers") == 1);
        assertThat(platform.server.liveInstances("capped")).isEqualTo(1);

        assertThat(latest.join().statusCode()).isEqualTo(200);
        HttpResponse<String> served = version.join();
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        // $LATEST's instance, idle once its call ended, stopped to make room for version 1's.
        assertThat(platform.server.liveInstances("capped")).isEqualTo(1);
        assertThat(instances("capped", "1", "idle")).isEqualTo(1);
        assertThat(platform.metric("aloft_instances_stopped_total{function=\"capped\",reason=\"other_version\"}")).isEqualTo(1);
    }

    @Test
    void badAliasesAreRejected() {
        deployWithGreeting("strict", "x");
        post("/api/v1/functions/strict/versions", "{}");
        assertThat(put("/api/v1/functions/strict/aliases/123", "{\"version\": \"1\"}").body()).contains("not only digits");
        assertThat(put("/api/v1/functions/strict/aliases/prod", "{\"version\": \"7\"}").body()).contains("has no version 7");
        assertThat(put("/api/v1/functions/strict/aliases/prod", "{}").body()).contains("version is required");
        assertThat(put("/api/v1/functions/strict/aliases/prod",
                "{\"version\": \"1\", \"additionalVersion\": \"$LATEST\", \"additionalWeight\": 1.5}").body())
                .contains("must be between 0 and 1");
        assertThat(platform.invoke("strict:nope", "{}").body()).contains("has no alias or version 'nope'");
        var deleted = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/functions/strict/aliases/nope")).DELETE());
        assertThat(deleted.statusCode()).isEqualTo(404);
    }
}
