package dev.aloft.server.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.invocations.AsyncInvoker;
import dev.aloft.server.invocations.DeadLetter;
import dev.aloft.server.invocations.Trigger;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Asynchronous invocation ({@code X-Amz-Invocation-Type: Event} on the invoke route) and the
 * dead-letter list with redrive.
 */
final class AsyncApi {

    static final String IDEMPOTENCY_HEADER = "X-Aloft-Idempotency-Key";

    private final AsyncInvoker asyncInvoker;

    AsyncApi(AsyncInvoker asyncInvoker) {
        this.asyncInvoker = asyncInvoker;
    }

    void routes(HttpRouting.Builder routing) {
        routing.post("/api/v1/functions/{name}/invoke", this::invokeAsync)
                .get("/api/v1/functions/{name}/dead-letters", this::deadLetters)
                .post("/api/v1/functions/{name}/dead-letters/redrive", this::redrive);
    }

    private void invokeAsync(ServerRequest req, ServerResponse res) {
        String type = req.headers().first(HeaderNames.create("X-Amz-Invocation-Type")).orElse("RequestResponse");
        if (!type.equals("Event")) {
            if (!type.equals("RequestResponse")) {
                throw AloftException.invalid("X-Amz-Invocation-Type must be RequestResponse or Event, got '" + type + "'");
            }
            res.next();
            return;
        }
        byte[] payload = Exchange.body(req, AsyncInvoker.MAX_PAYLOAD_BYTES, "asynchronous request payload");
        Optional<String> key = req.headers().first(HeaderNames.create(IDEMPOTENCY_HEADER));
        AsyncInvoker.Submitted submitted = asyncInvoker.submit(ControlApi.qualified(req), payload.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8)
                : payload, key, Trigger.ASYNC);
        res.header("X-Aloft-Invocation-Id", submitted.invocationId());
        Exchange.sendJson(res, 202, Map.of("invocationId", submitted.invocationId(), "duplicate", submitted.duplicate()));
    }

    private void deadLetters(ServerRequest req, ServerResponse res) {
        List<Map<String, Object>> letters = new ArrayList<>();
        for (DeadLetter letter : asyncInvoker.deadLetters(ControlApi.name(req), 1000)) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("invocationId", letter.id());
            view.put("condition", letter.condition());
            view.put("errorType", letter.errorType().orElse(null));
            view.put("errorMessage", letter.errorMessage().orElse(null));
            view.put("attempts", letter.attempts());
            view.put("receivedAt", letter.receivedAt().toString());
            view.put("failedAt", letter.failedAt().toString());
            view.put("payloadBase64", Base64.getEncoder().encodeToString(letter.payload()));
            letters.add(view);
        }
        Exchange.sendJson(res, 200, Map.of("deadLetters", letters));
    }

    private void redrive(ServerRequest req, ServerResponse res) {
        byte[] body = Exchange.body(req, 1024 * 1024, "redrive request");
        List<String> ids = new ArrayList<>();
        if (body.length > 0) {
            JsonNode node = ControlApi.parseJsonObject(body).path("invocationIds");
            if (!node.isMissingNode() && !node.isArray()) {
                throw AloftException.invalid("invocationIds must be an array of dead-letter invocation ids");
            }
            node.forEach(id -> ids.add(id.asText()));
        }
        List<String> submitted = asyncInvoker.redrive(ControlApi.name(req), ids);
        Exchange.sendJson(res, 200, Map.of("invocationIds", submitted));
    }
}
