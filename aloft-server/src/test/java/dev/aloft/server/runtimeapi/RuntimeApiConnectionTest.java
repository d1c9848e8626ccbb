package dev.aloft.server.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Runtime API's connection handling over raw sockets: pipelined requests answered in order,
 * a waiting {@code /next} answered from another thread, {@code Expect: 100-continue}, chunked
 * bodies, closing, and what a misbehaving client gets.
 */
class RuntimeApiConnectionTest {

    /** Keeps each {@code /next} waiting until the test answers it, unless it has an event at hand. */
    static final class HoldingSession implements RuntimeSession {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final AtomicReference<LongPoll<RuntimeEvent>> waiting = new AtomicReference<>();
        volatile RuntimeEvent atHand;

        @Override
        public void next(LongPoll<RuntimeEvent> poll) {
            calls.add("next");
            if (atHand != null) {
                poll.answer(atHand);
            } else {
                waiting.set(poll);
            }
        }

        @Override
        public boolean respond(String requestId, byte[] body) {
            calls.add("respond " + requestId + " " + new String(body, StandardCharsets.UTF_8));
            return true;
        }

        @Override
        public boolean fail(String requestId, String errorType, byte[] body) {
            calls.add("fail " + requestId + " " + errorType);
            return true;
        }

        @Override
        public void initFailed(String errorType, byte[] body) {
            calls.add("initFailed " + errorType);
        }
    }

    /** One HTTP response as read off the socket. */
    record Response(int status, Map<String, String> headers, String body) {}

    private RuntimeApiServer server;
    private HoldingSession session;
    private String secret;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    @BeforeEach
    void connect() throws IOException {
        server = RuntimeApiServer.start();
        session = new HoldingSession();
        String endpoint = server.register(session).endpoint();
        secret = endpoint.substring(endpoint.indexOf('/') + 1);
        int port = Integer.parseInt(endpoint.substring(endpoint.indexOf(':') + 1, endpoint.indexOf('/')));
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    @AfterEach
    void close() throws IOException {
        socket.close();
        server.close();
    }

    private void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private String next() {
        return "GET /" + secret + "/2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    private String response(String requestId, String body) {
        return "POST /" + secret + "/2018-06-01/runtime/invocation/" + requestId + "/response HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static RuntimeEvent event(String requestId) {
        return new RuntimeEvent(requestId, 1_000, "arn:aws:lambda:local:0:function:f", "trace",
                "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
    }

    private Response read() throws IOException {
        String statusLine = line();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void anAnswerAndThePipelinedNextAreAnsweredInOrder() throws IOException {
        session.atHand = event("req-2");
        send(response("req-1", "\"done\"") + next());
        assertThat(read().status()).isEqualTo(202);
        Response event = read();
        assertThat(event.status()).isEqualTo(200);
        assertThat(event.headers()).containsEntry("lambda-runtime-aws-request-id", "req-2")
                .containsEntry("lambda-runtime-deadline-ms", "1000")
                .containsEntry("lambda-runtime-invoked-function-arn", "arn:aws:lambda:local:0:function:f")
                .containsEntry("lambda-runtime-trace-id", "trace");
        assertThat(event.body()).isEqualTo("{\"n\":1}");
        assertThat(session.calls).containsExactly("respond req-1 \"done\"", "next");
    }

    @Test
    void requestsBehindAWaitingNextWaitForItsAnswerFromAnotherThread() throws Exception {
        send(next() + response("req-1", "\"done\""));
        socket.setSoTimeout(300);
        assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
        assertThat(session.calls).containsExactly("next");
        socket.setSoTimeout(5_000);
        Thread answering = Thread.ofPlatform().start(() -> session.waiting.get().answer(event("req-1")));
        answering.join();
        assertThat(read().headers()).containsEntry("lambda-runtime-aws-request-id", "req-1");
        assertThat(read().status()).isEqualTo(202);
        assertThat(session.calls).containsExactly("next", "respond req-1 \"done\"");
    }

    @Test
    void anEventLargerThanTheSocketTakesAtOnceArrivesWhole() throws Exception {
        send(next());
        byte[] payload = ("\"" + "x".repeat(5 * 1024 * 1024) + "\"").getBytes(StandardCharsets.UTF_8);
        // Answered from another thread while this one does not read yet: the socket takes part of
        // it, and the loop writes the rest as the reader makes room.
        LongPoll<RuntimeEvent> poll = awaitWaiting();
        Thread.ofPlatform().start(() -> poll.answer(new RuntimeEvent("req-big", 1_000, "arn", "trace", payload))).join();
        Response event = read();
        assertThat(event.headers()).containsEntry("lambda-runtime-aws-request-id", "req-big");
        assertThat(event.body()).hasSize(payload.length).isEqualTo(new String(payload, StandardCharsets.UTF_8));
        send(response("req-big", "1"));
        assertThat(read().status()).isEqualTo(202);
    }

    @Test
    void anAnswerToAWaitingNextWhoseConnectionClosedSaysItWasNotDelivered() throws Exception {
        send(next());
        LongPoll<RuntimeEvent> poll = awaitWaiting();
        socket.close();
        RuntimeEvent event = new RuntimeEvent("req-lost", 1_000, "arn", "trace", "{}".getBytes(StandardCharsets.UTF_8));
        // Once the loop has seen the close (or a write hit it), an answer is refused and the session
        // keeps the invocation. One before that goes into the socket's buffer, as TCP allows.
        await().atMost(Duration.ofSeconds(5)).until(() -> !poll.answer(event));
    }

    @Test
    void aRetiredInstancesNextGets410() throws IOException {
        send(next());
        awaitWaiting().retired();
        Response gone = read();
        assertThat(gone.status()).isEqualTo(410);
        assertThat(gone.body()).contains("InstanceRetired");
    }

    @Test
    void aClientExpecting100ContinueGetsItBeforeSendingTheBody() throws IOException {
        send("POST /" + secret + "/2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\n"
                + "Expect: 100-continue\r\nContent-Length: 6\r\n\r\n");
        assertThat(read().status()).isEqualTo(100);
        send("\"done\"");
        assertThat(read().status()).isEqualTo(202);
        assertThat(session.calls).containsExactly("respond req-1 \"done\"");
    }

    @Test
    void aChunkedBodyWithExtensionsAndTrailersIsReadWhole() throws IOException {
        send("POST /" + secret + "/2018-06-01/runtime/invocation/req-1/error HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\nLambda-Runtime-Function-Error-Type: Custom.Broken\r\n\r\n"
                + "3;part=1\r\n{\"a\r\n2\r\n\":\r\n2\r\n1}\r\n0\r\nX-Checksum: none\r\n\r\n");
        assertThat(read().status()).isEqualTo(202);
        assertThat(session.calls).containsExactly("fail req-1 Custom.Broken");
    }

    @Test
    void connectionCloseClosesTheConnectionAfterTheAnswer() throws IOException {
        send(response("req-1", "1").replace("Host: x\r\n", "Host: x\r\nConnection: close\r\n"));
        assertThat(read().status()).isEqualTo(202);
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void aRequestThatIsNotHttpIsAnswered400AndTheConnectionClosed() throws IOException {
        send("HELLO THERE\r\n\r\n");
        Response bad = read();
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("not an HTTP/1.x request line");
        assertThat(in.read()).isEqualTo(-1);
        assertThat(session.calls).isEmpty();
    }

    @Test
    void aHeadOverTheLimitIsAnswered431() throws IOException {
        send("GET /" + secret + "/2018-06-01/runtime/invocation/next HTTP/1.1\r\nX-Long: "
                + "x".repeat(RequestParser.MAX_HEAD_BYTES + 10) + "\r\n\r\n");
        assertThat(read().status()).isEqualTo(431);
        assertThat(session.calls).isEmpty();
    }

    @Test
    void aRuntimeFloodingBytesWhileItsNextWaitsIsDisconnected() throws IOException {
        send(next());
        awaitWaiting();
        byte[] flood = new byte[1024 * 1024];
        String outcome;
        try {
            for (int i = 0; i < 16; i++) {
                out.write(flood);
            }
            out.flush();
            outcome = in.read() < 0 ? "closed" : "answered";
        } catch (SocketTimeoutException e) {
            outcome = "still open";
        } catch (IOException e) {
            outcome = "closed";
        }
        assertThat(outcome).isEqualTo("closed");
    }

    private LongPoll<RuntimeEvent> awaitWaiting() {
        await().atMost(Duration.ofSeconds(5)).until(() -> session.waiting.get() != null);
        return session.waiting.get();
    }
}
