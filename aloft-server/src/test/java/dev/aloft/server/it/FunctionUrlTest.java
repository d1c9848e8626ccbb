package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Function URLs: the API Gateway HTTP API 2.0 event in, Lambda function URL response mapping out. */
class FunctionUrlTest {

    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
        var echo = TestPlatform.deployBody("provided", "echo", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("shell-echo")));
        echo.put("public", true);
        assertThat(platform.deploy("echo", echo).statusCode()).isEqualTo(201);
        var behave = TestPlatform.deployBody("provided", "behave", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave")));
        behave.put("public", true);
        behave.put("timeoutSeconds", 1);
        assertThat(platform.deploy("behave", behave).statusCode()).isEqualTo(201);
        var secret = TestPlatform.deployBody("provided", "echo", TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("shell-echo")));
        assertThat(platform.deploy("private-echo", secret).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    private static JsonNode eventOf(HttpRequest.Builder request) {
        var response = platform.sendRaw(request);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        return TestPlatform.parse(response.body()).path("echo");
    }

    @Test
    void getBecomesAnHttpApiV2Event() {
        JsonNode event = eventOf(HttpRequest.newBuilder(platform.url("/fn/echo/orders/42?x=1&x=2&name=a%20b"))
                .header("X-Custom", "yes").header("Cookie", "session=abc; theme=dark").GET());
        assertThat(event.path("version").asText()).isEqualTo("2.0");
        assertThat(event.path("routeKey").asText()).isEqualTo("$default");
        assertThat(event.path("rawPath").asText()).isEqualTo("/orders/42");
        assertThat(event.path("rawQueryString").asText()).isEqualTo("x=1&x=2&name=a%20b");
        assertThat(event.path("queryStringParameters").path("x").asText()).isEqualTo("1,2");
        assertThat(event.path("queryStringParameters").path("name").asText()).isEqualTo("a b");
        assertThat(event.path("headers").path("x-custom").asText()).isEqualTo("yes");
        assertThat(event.path("cookies")).extracting(JsonNode::asText).containsExactly("session=abc", "theme=dark");
        JsonNode http = event.path("requestContext").path("http");
        assertThat(http.path("method").asText()).isEqualTo("GET");
        assertThat(http.path("path").asText()).isEqualTo("/orders/42");
        assertThat(http.path("sourceIp").asText()).isEqualTo("127.0.0.1");
        assertThat(event.path("requestContext").path("requestId").asText()).isNotEmpty();
        assertThat(event.path("isBase64Encoded").asBoolean()).isFalse();
        assertThat(event.has("body")).isFalse();
    }

    @Test
    void rootWithSlashAndRequestTimeInApiGatewayFormat() {
        DateTimeFormatter format = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
        Set<String> times = new HashSet<>();
        // Until requests have fallen in two different seconds: the server formats the time once a second.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode event = eventOf(HttpRequest.newBuilder(platform.url("/fn/echo/")).GET());
            assertThat(event.path("rawPath").asText()).isEqualTo("/");
            JsonNode context = event.path("requestContext");
            Instant epoch = Instant.ofEpochMilli(context.path("timeEpoch").asLong());
            assertThat(context.path("time").asText()).isEqualTo(format.format(epoch));
            times.add(context.path("time").asText());
            return times.size() >= 2;
        });
    }

    @Test
    void rootPathAndTextAndBinaryBodies() {
        JsonNode text = eventOf(HttpRequest.newBuilder(platform.url("/fn/echo")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}")));
        assertThat(text.path("rawPath").asText()).isEqualTo("/");
        assertThat(text.path("requestContext").path("http").path("method").asText()).isEqualTo("POST");
        assertThat(text.path("body").asText()).isEqualTo("{\"a\":1}");
        assertThat(text.path("isBase64Encoded").asBoolean()).isFalse();

        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2};
        JsonNode binary = eventOf(HttpRequest.newBuilder(platform.url("/fn/echo/upload")).header("Content-Type", "image/png")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(png)));
        assertThat(binary.path("isBase64Encoded").asBoolean()).isTrue();
        assertThat(Base64.getDecoder().decode(binary.path("body").asText())).isEqualTo(png);
    }

    @Test
    void privateFunctionDoesNotSeeThePlatformCredential() {
        var response = platform.send(HttpRequest.newBuilder(platform.url("/fn/private-echo")).GET());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(TestPlatform.parse(response.body()).path("echo").path("headers").has("authorization")).isFalse();
    }

    @Test
    void statusCodeHeadersCookiesAndBase64BodiesAreMappedBack() {
        String instructions = """
                {"respond": {"statusCode": 201, "headers": {"X-Result": "made", "Content-Type": "text/plain"},
                 "cookies": ["a=1; Path=/", "b=2"], "body": "aGVsbG8=", "isBase64Encoded": true}}""";
        var response = platform.sendRaw(HttpRequest.newBuilder(platform.url("/fn/behave/make"))
                .POST(HttpRequest.BodyPublishers.ofString(instructions)));
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("x-result")).contains("made");
        assertThat(response.headers().firstValue("content-type")).contains("text/plain");
        assertThat(response.headers().allValues("set-cookie")).containsExactly("a=1; Path=/", "b=2");
        assertThat(response.body()).isEqualTo("hello");
        assertThat(response.headers().firstValue("X-Aloft-Invocation-Id")).isPresent();
    }

    @Test
    void plainJsonResultBecomes200Json() {
        var response = platform.sendRaw(HttpRequest.newBuilder(platform.url("/fn/behave"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"respond\": [1, 2, 3]}")));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        assertThat(response.body()).isEqualTo("[1, 2, 3]");
    }

    @Test
    void functionErrorsAndTimeoutsBecome502And504WithoutInternals() {
        var failed = platform.sendRaw(HttpRequest.newBuilder(platform.url("/fn/behave"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"fail\": \"secret detail\"}")));
        assertThat(failed.statusCode()).isEqualTo(502);
        assertThat(failed.body()).isEqualTo("{\"Message\":\"Internal Server Error\"}");
        var slow = platform.sendRaw(HttpRequest.newBuilder(platform.url("/fn/behave"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"sleep_ms\": 5000}")));
        assertThat(slow.statusCode()).isEqualTo(504);
    }

    @Test
    void unknownFunctionUrlIs404() {
        var response = platform.sendRaw(HttpRequest.newBuilder(platform.url("/fn/nope/x")).GET());
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("function 'nope' does not exist");
    }
}
