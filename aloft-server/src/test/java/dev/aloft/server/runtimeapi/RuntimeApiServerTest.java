package dev.aloft.server.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Runtime API's routing and body handling over real HTTP: which method and path make which
 * call, what reaches the instance's session, and what the runtime is told otherwise.
 */
class RuntimeApiServerTest {

    /** What the server handed to one instance; it runs invocation "req-1". */
    static final class RecordingSession implements RuntimeSession {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public void next(LongPoll<RuntimeEvent> poll) {
            calls.add("next");
            poll.answer(new RuntimeEvent("req-1", 1_000, "arn:aws:lambda:local:0:function:f", "trace",
                    "{\"n\":1}".getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public boolean respond(String requestId, byte[] body) {
            calls.add("respond " + requestId + " " + new String(body, StandardCharsets.UTF_8));
            return requestId.equals("req-1");
        }

        @Override
        public boolean fail(String requestId, String errorType, byte[] body) {
            calls.add("fail " + requestId + " " + errorType);
            return requestId.equals("req-1");
        }

        @Override
        public void initFailed(String errorType, byte[] body) {
            calls.add("initFailed " + errorType);
        }
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private RuntimeApiServer server;
    private RecordingSession session;
    private String base;

    @BeforeEach
    void start() {
        server = RuntimeApiServer.start();
        session = new RecordingSession();
        base = "http://" + server.register(session).endpoint();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String url, BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).method(method, body).build(), BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send("POST", base + path, BodyPublishers.ofString(body));
    }

    @Test
    void eachCallReachesTheSessionWithItsInvocationId() throws Exception {
        HttpResponse<String> next = send("GET", base + "/2018-06-01/runtime/invocation/next", BodyPublishers.noBody());
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.body()).isEqualTo("{\"n\":1}");
        assertThat(next.headers().firstValue("Lambda-Runtime-Aws-Request-Id")).contains("req-1");
        assertThat(next.headers().firstValue("Lambda-Runtime-Deadline-Ms")).contains("1000");

        assertThat(post("/2018-06-01/runtime/invocation/req-1/response", "{\"ok\":true}").statusCode()).isEqualTo(202);
        assertThat(post("/2018-06-01/runtime/invocation/req-1/error", "{}").statusCode()).isEqualTo(202);
        assertThat(post("/2018-06-01/runtime/init/error", "{}").statusCode()).isEqualTo(202);
        assertThat(session.calls).containsExactly("next", "respond req-1 {\"ok\":true}", "fail req-1 Unhandled",
                "initFailed Runtime.InitError");
    }

    @Test
    void anAnswerForAnotherInvocationIsRefused() throws Exception {
        HttpResponse<String> response = post("/2018-06-01/runtime/invocation/req-2/response", "{}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("InvalidRequestID");
    }

    @Test
    void pathsAndMethodsThatMakeNoCallAre404AndReachNoSession() throws Exception {
        for (String path : List.of("/2018-06-01/runtime/invocation//response", "/2018-06-01/runtime/invocation/req-1/other",
                "/2018-06-01/runtime/invocation/req-1", "/2018-06-01/runtime/next", "/2018-06-01/runtime/invocation/next/x")) {
            assertThat(post(path, "{}").statusCode()).as("POST " + path).isEqualTo(404);
        }
        assertThat(send("GET", base + "/2018-06-01/runtime/invocation/req-1/response", BodyPublishers.noBody())
                .statusCode()).as("GET of a POST call").isEqualTo(404);
        assertThat(post("/2018-06-01/runtime/invocation/next", "{}").statusCode()).as("POST of a GET call").isEqualTo(404);
        assertThat(send("DELETE", base + "/2018-06-01/runtime/invocation/next", BodyPublishers.noBody()).statusCode())
                .isEqualTo(404);
        String root = base.substring(0, base.lastIndexOf('/'));
        assertThat(send("GET", root + "/2018-06-01/runtime/invocation/next", BodyPublishers.noBody()).statusCode())
                .as("without the secret").isEqualTo(404);
        assertThat(session.calls).isEmpty();
    }

    @Test
    void anotherSecretIsForbidden() throws Exception {
        String other = base.substring(0, base.lastIndexOf('/') + 1) + "0".repeat(48);
        HttpResponse<String> response = send("GET", other + "/2018-06-01/runtime/invocation/next", BodyPublishers.noBody());
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("UnknownInstance");
        assertThat(session.calls).isEmpty();
    }

    @Test
    void aResponseIsReadWholeWithOrWithoutAContentLength() throws Exception {
        String body = "{\"data\":\"" + "x".repeat(100_000) + "\"}";
        assertThat(post("/2018-06-01/runtime/invocation/req-1/response", body).statusCode()).isEqualTo(202);
        // A stream of unknown length is sent chunked.
        BodyPublisher chunked = BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(send("POST", base + "/2018-06-01/runtime/invocation/req-1/response", chunked).statusCode()).isEqualTo(202);
        assertThat(session.calls).containsExactly("respond req-1 " + body, "respond req-1 " + body);
    }

    @Test
    void aResponseOverTheLimitFailsTheInvocationEitherWay() throws Exception {
        byte[] tooLarge = new byte[RuntimeApiServer.MAX_RESPONSE_BYTES + 1];
        assertThat(send("POST", base + "/2018-06-01/runtime/invocation/req-1/response", BodyPublishers.ofByteArray(tooLarge))
                .statusCode()).isEqualTo(413);
        BodyPublisher chunked = BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooLarge));
        assertThat(send("POST", base + "/2018-06-01/runtime/invocation/req-1/response", chunked).statusCode()).isEqualTo(413);
        assertThat(session.calls).containsExactly("fail req-1 Function.ResponseSizeTooLarge",
                "fail req-1 Function.ResponseSizeTooLarge");
    }

    @Test
    void anUnregisteredEndpointIsForbidden() throws IOException, InterruptedException {
        RuntimeSession other = new RecordingSession();
        RuntimeApiServer.Registration registration = server.register(other);
        server.unregister(registration);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://" + registration.endpoint() + "/2018-06-01/runtime/invocation/next")).build(),
                BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(403);
    }
}
