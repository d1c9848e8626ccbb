package dev.aloft.server.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.functions.AsyncConfig;
import dev.aloft.server.functions.DeployRequest;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.functions.FunctionVersions.Qualified;
import dev.aloft.server.invocations.InvocationResult;
import dev.aloft.server.invocations.Invoker;
import dev.aloft.server.invocations.Trigger;
import dev.aloft.server.store.LogLine;
import dev.aloft.server.store.LogStore;
import dev.aloft.server.store.BatchWriter;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.net.URI;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The native control API, {@code /api/v1} (see docs/api.md). */
final class ControlApi {

    /** A 50 MB zip, base64-encoded, plus the configuration around it. */
    static final int MAX_DEPLOY_BODY_BYTES = 70 * 1024 * 1024;

    private final FunctionRegistry registry;
    private final Invoker invoker;
    private final LogStore logStore;
    private final BatchWriter<LogLine> logWriter;
    private final Supplier<URI> baseUrl;
    /** A page of the function list holds at most this many (and this many when no limit is given). */
    static final int MAX_LIST_LIMIT = 1000;

    ControlApi(FunctionRegistry registry, Invoker invoker, LogStore logStore, BatchWriter<LogLine> logWriter, Supplier<URI> baseUrl) {
        this.registry = registry;
        this.invoker = invoker;
        this.logStore = logStore;
        this.logWriter = logWriter;
        this.baseUrl = baseUrl;
    }

    void routes(HttpRouting.Builder routing) {
        routing.get("/api/v1/functions", this::list)
                .get("/api/v1/functions/{name}", this::get)
                .put("/api/v1/functions/{name}", this::deploy)
                .delete("/api/v1/functions/{name}", this::delete)
                .post("/api/v1/functions/{name}/invoke", this::invoke)
                .get("/api/v1/functions/{name}/logs", this::logs);
    }

    /** Pages by name: {@code after} is the last name of the previous page ({@code nextAfter} of its answer). */
    private void list(ServerRequest req, ServerResponse res) {
        int limit = req.query().first("limit").asOptional()
                .map(value -> Exchange.boundedInt("limit", value, 1, MAX_LIST_LIMIT)).orElse(MAX_LIST_LIMIT);
        Optional<String> after = req.query().first("after").asOptional().filter(a -> !a.isEmpty());
        FunctionRegistry.FunctionPage page = registry.page(after, limit);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("functions", page.functions().stream().map(this::view).toList());
        page.continueAfter().ifPresent(next -> view.put("nextAfter", next));
        Exchange.sendJson(res, 200, view);
    }

    private void get(ServerRequest req, ServerResponse res) {
        Exchange.sendJson(res, 200, view(registry.get(name(req))));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        String name = name(req);
        registry.delete(name);
        logStore.deleteFunction(name);
        res.status(Status.NO_CONTENT_204).send();
    }

    private void deploy(ServerRequest req, ServerResponse res) {
        String name = name(req);
        JsonNode body = parseJsonObject(Exchange.body(req, MAX_DEPLOY_BODY_BYTES, "deploy request"));
        FunctionRegistry.Deployed deployed = registry.deploy(new DeployRequest(
                name,
                text(body, "runtime").orElseThrow(() -> AloftException.invalid(
                        "runtime is required: java25, nodejs20, python3 or provided")),
                text(body, "handler").orElse(""),
                integer(body, "memoryMb", 256),
                integer(body, "timeoutSeconds", 30),
                environment(body),
                integer(body, "concurrency", DeployRequest.DEFAULT_CONCURRENCY),
                integer(body, "minInstances", 0),
                integer(body, "reservedConcurrency", 0),
                bool(body, "public", false),
                bool(body, "sensitive", false),
                new AsyncConfig(integer(body, "maxRetryAttempts", AsyncConfig.DEFAULT.maxRetryAttempts()),
                        integer(body, "maxEventAgeSeconds", AsyncConfig.DEFAULT.maxEventAgeSeconds()),
                        text(body, "onSuccess"), text(body, "onFailure")),
                zip(body)));
        Exchange.sendJson(res, deployed.created() ? 201 : 200, view(deployed.function()));
    }

    private void invoke(ServerRequest req, ServerResponse res) {
        byte[] payload = Exchange.body(req, Invoker.MAX_PAYLOAD_BYTES, "request payload");
        InvocationResult result = invoker.invoke(qualified(req), payload.length == 0 ? "{}".getBytes() : payload,
                Invoker.Origin.of(Trigger.INVOKE));
        res.header("X-Aloft-Invocation-Id", result.invocationId());
        result.outcome().errorType().ifPresent(type -> res.header("X-Aloft-Function-Error", "Unhandled")
                .header("X-Aloft-Error-Type", type));
        res.header("Content-Type", "application/json").send(result.outcome().body());
    }

    private void logs(ServerRequest req, ServerResponse res) {
        String name = name(req);
        registry.get(name);
        var query = req.query();
        long after = query.first("after").map(v -> parseLong("after", v)).orElse(0L);
        int limit = (int) query.first("limit").map(v -> parseLong("limit", v)).orElse(100L).longValue();
        if (limit < 1 || limit > 1000) {
            throw AloftException.invalid("limit must be between 1 and 1000, got " + limit);
        }
        logWriter.flush();
        List<LogLine> lines = logStore.read(name, query.first("invocationId").asOptional(), after, limit);
        long next = lines.isEmpty() ? after : lines.getLast().cursor();
        Exchange.sendJson(res, 200, Map.of("logs", lines.stream().map(ControlApi::view).toList(), "nextCursor", next));
    }

    private Map<String, Object> view(FunctionConfig f) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", f.name());
        view.put("runtime", f.runtime().id());
        view.put("handler", f.handler());
        view.put("memoryMb", f.memoryMb());
        view.put("timeoutSeconds", f.timeoutSeconds());
        view.put("environment", f.environment());
        view.put("concurrency", f.concurrency());
        view.put("minInstances", f.minInstances());
        view.put("reservedConcurrency", f.reservedConcurrency());
        view.put("public", f.publicUrl());
        view.put("sensitive", f.sensitive());
        view.put("maxRetryAttempts", f.async().maxRetryAttempts());
        view.put("maxEventAgeSeconds", f.async().maxEventAgeSeconds());
        view.put("onSuccess", f.async().onSuccess().orElse(null));
        view.put("onFailure", f.async().onFailure().orElse(null));
        view.put("codeSha256", f.codeSha256());
        view.put("codeSizeBytes", f.codeSizeBytes());
        view.put("revision", f.revision());
        view.put("createdAt", f.createdAt().toString());
        view.put("updatedAt", f.updatedAt().toString());
        view.put("url", baseUrl.get().resolve("/fn/" + f.name()).toString());
        return view;
    }

    private static Map<String, Object> view(LogLine line) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("cursor", line.cursor());
        view.put("time", line.time().toString());
        view.put("invocationId", line.invocationId());
        view.put("stream", line.stream());
        view.put("line", line.line());
        return view;
    }

    /** The {name} path parameter as {@code NAME} or {@code NAME:QUALIFIER} (a version or alias). */
    static Qualified qualified(ServerRequest req) {
        return Qualified.parse(req.path().pathParameters().get("name"));
    }

    /** The validated {name} path parameter. */
    static String name(ServerRequest req) {
        String name = req.path().pathParameters().get("name");
        if (req.path().rawPath().contains(";")) {
            // The HTTP layer reads ';' as a matrix parameter and would silently drop the rest.
            name = req.path().rawPath().split("/")[4];
        }
        DeployRequest.validateName(name);
        return name;
    }

    static JsonNode parseJsonObject(byte[] body) {
        JsonNode node;
        try {
            node = Exchange.JSON.readTree(body);
        } catch (IOException e) {
            throw AloftException.invalid("request body is not valid JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw AloftException.invalid("request body must be a JSON object");
        }
        return node;
    }

    static Optional<String> text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw AloftException.invalid(field + " must be a string");
        }
        return Optional.of(value.asText());
    }

    private static int integer(JsonNode body, String field, int defaultValue) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        return Exchange.wholeNumber(field, value);
    }

    private static boolean bool(JsonNode body, String field, boolean defaultValue) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!value.isBoolean()) {
            throw AloftException.invalid(field + " must be true or false, got " + value);
        }
        return value.asBoolean();
    }

    private static Map<String, String> environment(JsonNode body) {
        JsonNode env = body.get("environment");
        if (env == null || env.isNull()) {
            return Map.of();
        }
        if (!env.isObject()) {
            throw AloftException.invalid("environment must be an object of string values");
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (var field : env.properties()) {
            if (!field.getValue().isTextual()) {
                throw AloftException.invalid("environment variable " + field.getKey() + " must be a string");
            }
            result.put(field.getKey(), field.getValue().asText());
        }
        return result;
    }

    private static byte[] zip(JsonNode body) {
        String encoded = text(body, "zipBase64").orElseThrow(() -> AloftException.invalid(
                "zipBase64 is required: the function's code as a base64-encoded .zip or .jar"));
        try {
            return Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw AloftException.invalid("zipBase64 is not valid base64: " + e.getMessage());
        }
    }

    private static long parseLong(String field, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw AloftException.invalid(field + " must be a whole number, got '" + value + "'");
        }
    }
}
