package dev.aloft.server.edge;

import dev.aloft.server.AloftException;
import dev.aloft.server.invocations.InvocationLedger;
import dev.aloft.server.invocations.InvocationRecord;
import dev.aloft.server.invocations.InvocationResult;
import dev.aloft.server.invocations.InvocationStatus;
import dev.aloft.server.invocations.Invoker;
import dev.aloft.server.invocations.LedgerQuery;
import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.LogLine;
import dev.aloft.server.store.LogStore;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The invocation ledger over HTTP: list, inspect, replay ({@code /api/v1/invocations}). */
final class LedgerApi {

    private final InvocationLedger ledger;
    private final Invoker invoker;
    private final LogStore logStore;
    private final BatchWriter<LogLine> logWriter;

    LedgerApi(InvocationLedger ledger, Invoker invoker, LogStore logStore, BatchWriter<LogLine> logWriter) {
        this.ledger = ledger;
        this.invoker = invoker;
        this.logStore = logStore;
        this.logWriter = logWriter;
    }

    void routes(HttpRouting.Builder routing) {
        routing.get("/api/v1/invocations", this::list)
                .get("/api/v1/invocations/{id}", this::get)
                .post("/api/v1/invocations/{id}/replay", this::replay);
    }

    private void list(ServerRequest req, ServerResponse res) {
        var query = req.query();
        LedgerQuery ledgerQuery = new LedgerQuery(
                query.first("function").asOptional(),
                query.first("status").asOptional().map(InvocationStatus::fromId),
                query.first("since").asOptional().map(LedgerApi::parseSince),
                query.first("before").asOptional(),
                query.first("limit").asOptional().map(LedgerApi::parseLimit).orElse(50));
        InvocationLedger.Page page = ledger.query(ledgerQuery);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("invocations", page.records().stream().map(r -> view(r, false)).toList());
        body.put("nextCursor", page.nextCursor().orElse(null));
        Exchange.sendJson(res, 200, body);
    }

    private void get(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        InvocationRecord record = ledger.find(id).orElseThrow(() -> AloftException.notFound("invocation '" + id
                + "' does not exist (records are pruned after the ledger retention period)"));
        Map<String, Object> view = view(record, true);
        logWriter.flush();
        List<LogLine> lines = logStore.read(record.functionName(), Optional.of(id), 0, 1000);
        view.put("logs", lines.stream().map(l -> Map.of("time", l.time().toString(), "stream", l.stream(),
                "line", l.line())).toList());
        Exchange.sendJson(res, 200, view);
    }

    private void replay(ServerRequest req, ServerResponse res) {
        InvocationResult result = invoker.replay(req.path().pathParameters().get("id"), req.query().first("version").asOptional());
        res.header("X-Aloft-Invocation-Id", result.invocationId());
        result.outcome().errorType().ifPresent(type -> res.header("X-Aloft-Function-Error", "Unhandled")
                .header("X-Aloft-Error-Type", type));
        res.header("Content-Type", "application/json").send(result.outcome().body());
    }

    static Map<String, Object> view(InvocationRecord r, boolean withPayloads) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", r.id());
        view.put("function", r.functionName());
        view.put("version", r.functionVersion());
        view.put("qualifier", r.qualifier().orElse(null));
        view.put("trigger", r.trigger().id());
        view.put("status", r.status().id());
        view.put("errorType", r.errorType().orElse(null));
        view.put("errorMessage", r.errorMessage().orElse(null));
        view.put("receivedAt", r.receivedAt().toString());
        view.put("startedAt", r.startedAt().map(Instant::toString).orElse(null));
        view.put("finishedAt", r.finishedAt().map(Instant::toString).orElse(null));
        view.put("cold", r.cold());
        view.put("prewarmed", r.prewarmed());
        view.put("initMs", r.initMs());
        view.put("queueMs", r.queueMs());
        view.put("durationMs", r.durationMs());
        view.put("billedMs", r.billedMs());
        view.put("memoryMb", r.memoryMb());
        view.put("attempt", r.attempt());
        view.put("idempotencyKey", r.idempotencyKey().orElse(null));
        view.put("replayOf", r.replayOf().orElse(null));
        view.put("instanceId", r.instanceId().orElse(null));
        view.put("inputBytes", r.inputBytes());
        view.put("outputBytes", r.outputBytes());
        if (withPayloads) {
            putPayload(view, "input", r.input(), r.inputBytes());
            putPayload(view, "output", r.output(), r.outputBytes());
        }
        return view;
    }

    /** Text payloads as they are, binary ones base64 ({@code <name>Base64}); marks capped ones. */
    private static void putPayload(Map<String, Object> view, String name, Optional<byte[]> payload, long fullBytes) {
        if (payload.isEmpty()) {
            view.put(name, null);
            return;
        }
        byte[] bytes = payload.get();
        try {
            view.put(name, StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            view.put(name + "Base64", Base64.getEncoder().encodeToString(bytes));
        }
        view.put(name + "Truncated", bytes.length < fullBytes);
    }

    private static Instant parseSince(String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw AloftException.invalid("since must be an ISO-8601 instant such as 2026-11-26T10:00:00Z, got '" + value + "'");
        }
    }

    private static int parseLimit(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw AloftException.invalid("limit must be a whole number, got '" + value + "'");
        }
    }
}
