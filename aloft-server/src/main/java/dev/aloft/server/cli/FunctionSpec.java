package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.AloftException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What to deploy, from {@code aloft deploy} flags or an example's {@code aloft.json}. Unset limits
 * stay unset so the server's defaults apply, not a copy of them.
 */
record FunctionSpec(
        String name,
        String runtime,
        String handler,
        Optional<Integer> memoryMb,
        Optional<Integer> timeoutSeconds,
        Map<String, String> environment,
        Optional<Integer> concurrency,
        Optional<Integer> minInstances,
        Optional<Integer> reservedConcurrency,
        boolean isPublic,
        boolean sensitive,
        AsyncSettings async,
        Path code) {

    /** How async events are retried and where their results go; unset parts keep the server's defaults. */
    record AsyncSettings(Optional<Integer> maxRetryAttempts, Optional<Integer> maxEventAgeSeconds,
                         Optional<String> onSuccess, Optional<String> onFailure) {}

    static final String MANIFEST = "aloft.json";

    FunctionSpec {
        environment = Map.copyOf(environment);
    }

    /**
     * Reads a manifest such as {@code {"name": "hello-node", "runtime": "nodejs20", "handler":
     * "index.handler", "public": true, "code": "."}}; {@code code} is relative to the manifest. The
     * optional fields are named as in the deploy request.
     */
    static FunctionSpec readManifest(Path manifest) {
        JsonNode json;
        try {
            json = ControlClient.JSON.readTree(manifest.toFile());
        } catch (IOException e) {
            throw new CliException("cannot read " + manifest + ": " + e.getMessage(), e);
        }
        Map<String, String> environment = new LinkedHashMap<>();
        json.path("environment").properties().forEach(entry -> environment.put(entry.getKey(), entry.getValue().asText()));
        return new FunctionSpec(
                required(manifest, json, "name"),
                required(manifest, json, "runtime"),
                required(manifest, json, "handler"),
                optionalInt(manifest, json, "memoryMb"),
                optionalInt(manifest, json, "timeoutSeconds"),
                environment,
                optionalInt(manifest, json, "concurrency"),
                optionalInt(manifest, json, "minInstances"),
                optionalInt(manifest, json, "reservedConcurrency"),
                json.path("public").asBoolean(false),
                json.path("sensitive").asBoolean(false),
                new AsyncSettings(optionalInt(manifest, json, "maxRetryAttempts"), optionalInt(manifest, json, "maxEventAgeSeconds"),
                        optionalText(json, "onSuccess"), optionalText(json, "onFailure")),
                manifest.toAbsolutePath().getParent().resolve(required(manifest, json, "code")).normalize());
    }

    /** The body of {@code PUT /api/v1/functions/{name}}; this is where the code gets packaged. */
    ObjectNode request() {
        ObjectNode body = ControlClient.JSON.createObjectNode()
                .put("runtime", runtime)
                .put("handler", handler)
                .put("public", isPublic);
        memoryMb.ifPresent(value -> body.put("memoryMb", value));
        timeoutSeconds.ifPresent(value -> body.put("timeoutSeconds", value));
        concurrency.ifPresent(value -> body.put("concurrency", value));
        minInstances.ifPresent(value -> body.put("minInstances", value));
        reservedConcurrency.ifPresent(value -> body.put("reservedConcurrency", value));
        if (sensitive) {
            body.put("sensitive", true);
        }
        async.maxRetryAttempts().ifPresent(value -> body.put("maxRetryAttempts", value));
        async.maxEventAgeSeconds().ifPresent(value -> body.put("maxEventAgeSeconds", value));
        async.onSuccess().ifPresent(value -> body.put("onSuccess", value));
        async.onFailure().ifPresent(value -> body.put("onFailure", value));
        ObjectNode env = body.putObject("environment");
        environment.forEach(env::put);
        body.put("zipBase64", Base64.getEncoder().encodeToString(CodeArchive.bytes(code)));
        return body;
    }

    private static String required(Path manifest, JsonNode json, String field) {
        JsonNode value = json.path(field);
        if (!value.isTextual() || value.asText().isBlank()) {
            throw AloftException.invalid(manifest + ": \"" + field + "\" must be a non-empty string");
        }
        return value.asText();
    }

    /** A whole number, checked here: reading {@code 512.5} or {@code "512"} as an int would deploy something else. */
    private static Optional<Integer> optionalInt(Path manifest, JsonNode json, String field) {
        if (!json.hasNonNull(field)) {
            return Optional.empty();
        }
        JsonNode value = json.get(field);
        if (!value.isNumber() || !value.canConvertToExactIntegral() || !value.canConvertToInt()) {
            throw AloftException.invalid(manifest + ": \"" + field + "\" must be a whole number, got " + value);
        }
        return Optional.of(value.intValue());
    }

    private static Optional<String> optionalText(JsonNode json, String field) {
        return json.hasNonNull(field) ? Optional.of(json.get(field).asText()) : Optional.empty();
    }
}
