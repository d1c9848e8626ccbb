package dev.aloft.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.AloftException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The native control API ({@code /api/v1}, see docs/api.md) as Java calls. Every command goes
 * through here, so authentication, error mapping and "is a server there at all" live in one place.
 */
final class ControlClient {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Strict so that {@code {"a":1} junk} is refused on this side rather than half-sent. */
    static final ObjectReader STRICT_JSON = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** {@code NAME}, or {@code NAME:QUALIFIER} where the qualifier is a version, an alias or {@code $LATEST}. */
    private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9_-]{1,64})(:(\\$LATEST|[A-Za-z0-9_-]{1,128}))?");
    private static final Pattern ALIAS_NAME = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    /** Invocation, schedule and access key ids are all made of these, so anything else is a typo. */
    private static final Pattern RESOURCE_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    /** The most ledger records the API returns in one page. */
    private static final int MAX_LEDGER_PAGE_SIZE = 1000;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    private final URI baseUrl;
    private final String token;
    private final int ledgerPageSize;

    ControlClient(URI baseUrl, String token) {
        this(baseUrl, token, MAX_LEDGER_PAGE_SIZE);
    }

    /** A smaller {@code ledgerPageSize} lets a test cross ledger pages without a thousand invocations. */
    ControlClient(URI baseUrl, String token, int ledgerPageSize) {
        this.baseUrl = URI.create(baseUrl.toString().replaceAll("/+$", ""));
        this.token = token;
        this.ledgerPageSize = ledgerPageSize;
    }

    /** The result of one invocation; {@code functionError} is set when the function failed. */
    record Invocation(String invocationId, Optional<String> functionError, String payload) {

        private static Invocation of(HttpResponse<String> response) {
            return new Invocation(
                    response.headers().firstValue("X-Aloft-Invocation-Id").orElse(""),
                    response.headers().firstValue("X-Aloft-Function-Error"),
                    response.body());
        }

        /** The payload as JSON, or as a JSON string when the function returned something else. */
        JsonNode payloadJson() {
            try {
                JsonNode parsed = JSON.readTree(payload);
                return parsed.isMissingNode() ? JSON.getNodeFactory().textNode(payload) : parsed;
            } catch (JsonProcessingException e) {
                return JSON.getNodeFactory().textNode(payload);
            }
        }
    }

    /** Which ledger records to list; every part is optional, like the API's query parameters. */
    record InvocationFilter(Optional<String> function, Optional<String> status, Optional<Instant> since) {}

    /** One page of log lines; poll again with {@code after = nextCursor} for newer ones. */
    record LogPage(List<JsonNode> logs, long nextCursor) {}

    /** A published version; {@code created} is false when $LATEST had not changed since the newest one. */
    record Published(JsonNode version, boolean created) {}

    URI baseUrl() {
        return baseUrl;
    }

    /** Creates or replaces the function; returns it as the server describes it. */
    JsonNode deploy(FunctionSpec spec) {
        return json(send("PUT", functionPath(spec.name()), Optional.of(spec.request().toString())));
    }

    /** Every function, sorted by name (following the server's pages). */
    List<JsonNode> functions() {
        List<JsonNode> functions = new ArrayList<>();
        String path = "/api/v1/functions";
        while (true) {
            JsonNode page = json(send("GET", path, Optional.empty()));
            page.path("functions").forEach(functions::add);
            if (!page.hasNonNull("nextAfter")) {
                return functions;
            }
            path = "/api/v1/functions?after=" + URLEncoder.encode(page.path("nextAfter").asText(), StandardCharsets.UTF_8);
        }
    }

    JsonNode function(String name) {
        return json(send("GET", functionPath(name), Optional.empty()));
    }

    /** What the function's instances are doing and its keep-alive has learned, per version. */
    JsonNode scaling(String name) {
        return json(send("GET", functionPath(name) + "/scaling", Optional.empty()));
    }

    void delete(String name) {
        send("DELETE", functionPath(name), Optional.empty());
    }

    /** {@code target} is {@code NAME} or {@code NAME:QUALIFIER} (a version or alias). */
    Invocation invoke(String target, String event) {
        return Invocation.of(send("POST", invokePath(target), Optional.of(event)));
    }

    /**
     * Queues the event and returns once the server has stored it: {@code {"invocationId",
     * "duplicate"}}, where {@code duplicate} means the key was seen before and nothing new was queued.
     */
    JsonNode invokeAsync(String target, String event, Optional<String> idempotencyKey) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Amz-Invocation-Type", "Event");
        idempotencyKey.ifPresent(key -> headers.put("X-Aloft-Idempotency-Key", key));
        return json(send("POST", invokePath(target), Optional.of(event), headers));
    }

    LogPage logs(String name, Optional<String> invocationId, long after, int limit) {
        String query = "?after=" + after + "&limit=" + limit
                + invocationId.map(id -> "&invocationId=" + encode(id)).orElse("");
        JsonNode page = json(send("GET", functionPath(name) + "/logs" + query, Optional.empty()));
        List<JsonNode> logs = new ArrayList<>();
        page.path("logs").forEach(logs::add);
        return new LogPage(logs, page.path("nextCursor").asLong(after));
    }

    /** Ledger records, newest first: pages are followed until {@code limit} records or the oldest one. */
    List<JsonNode> invocations(InvocationFilter filter, int limit) {
        StringBuilder filterQuery = new StringBuilder();
        filter.function().ifPresent(name -> filterQuery.append("&function=").append(encode(name)));
        filter.status().ifPresent(status -> filterQuery.append("&status=").append(encode(status)));
        filter.since().ifPresent(since -> filterQuery.append("&since=").append(encode(since.toString())));
        List<JsonNode> invocations = new ArrayList<>();
        Optional<String> before = Optional.empty();
        while (invocations.size() < limit) {
            String query = "?limit=" + Math.min(limit - invocations.size(), ledgerPageSize) + filterQuery
                    + before.map(cursor -> "&before=" + encode(cursor)).orElse("");
            JsonNode page = json(send("GET", "/api/v1/invocations" + query, Optional.empty()));
            page.path("invocations").forEach(invocations::add);
            before = Optional.of(page.path("nextCursor")).filter(JsonNode::isTextual).map(JsonNode::asText);
            if (before.isEmpty()) {
                break;
            }
        }
        return invocations;
    }

    /** One ledger record with its input, output and log lines. */
    JsonNode invocation(String id) {
        return json(send("GET", invocationPath(id), Optional.empty()));
    }

    /**
     * Runs a recorded invocation again with its recorded input, on {@code version} (a version or
     * alias) if given, else on what it was invoked with; the result has the new id.
     */
    Invocation replay(String id, Optional<String> version) {
        return Invocation.of(send("POST", invocationPath(id) + "/replay"
                + version.map(v -> "?version=" + encode(v)).orElse(""), Optional.empty()));
    }

    /** Events that failed every attempt and had no on-failure destination, oldest first. */
    List<JsonNode> deadLetters(String name) {
        List<JsonNode> letters = new ArrayList<>();
        json(send("GET", functionPath(name) + "/dead-letters", Optional.empty())).path("deadLetters").forEach(letters::add);
        return letters;
    }

    /** Queues dead letters again (all of them when {@code ids} is empty); returns the new invocation ids. */
    List<String> redrive(String name, List<String> ids) {
        ObjectNode body = JSON.createObjectNode();
        ids.forEach(body.putArray("invocationIds")::add);
        List<String> submitted = new ArrayList<>();
        json(send("POST", functionPath(name) + "/dead-letters/redrive", Optional.of(body.toString())))
                .path("invocationIds").forEach(id -> submitted.add(id.asText()));
        return submitted;
    }

    /**
     * Adds a schedule; {@code request} has the API's fields ({@code cron} or {@code rate},
     * {@code timezone}, {@code input}, {@code catchUp}). Returns the schedule with its next fire.
     */
    JsonNode addSchedule(String name, ObjectNode request) {
        return json(send("POST", qualifiedPath(name) + "/schedules", Optional.of(request.toString())));
    }

    /** Every schedule, or one function's. */
    List<JsonNode> schedules(Optional<String> name) {
        String path = name.map(n -> functionPath(n) + "/schedules").orElse("/api/v1/schedules");
        return list(json(send("GET", path, Optional.empty())), "schedules");
    }

    void removeSchedule(String id) {
        send("DELETE", "/api/v1/schedules/" + id(id, "schedule id", "'aloft schedule list'"), Optional.empty());
    }

    /** Publishes $LATEST as the next version, unless it is unchanged since the newest one. */
    Published publish(String name, Optional<String> description) {
        ObjectNode body = JSON.createObjectNode();
        description.ifPresent(d -> body.put("description", d));
        HttpResponse<String> response = send("POST", functionPath(name) + "/versions", Optional.of(body.toString()));
        return new Published(json(response), response.statusCode() == 201);
    }

    /** Published versions, oldest first. */
    List<JsonNode> versions(String name) {
        return list(json(send("GET", functionPath(name) + "/versions", Optional.empty())), "versions");
    }

    /** Creates or replaces an alias; {@code request} has {@code version} and optionally the weighted second one. */
    JsonNode putAlias(String name, String alias, ObjectNode request) {
        return json(send("PUT", aliasPath(name, alias), Optional.of(request.toString())));
    }

    JsonNode alias(String name, String alias) {
        return json(send("GET", aliasPath(name, alias), Optional.empty()));
    }

    List<JsonNode> aliases(String name) {
        return list(json(send("GET", functionPath(name) + "/aliases", Optional.empty())), "aliases");
    }

    void deleteAlias(String name, String alias) {
        send("DELETE", aliasPath(name, alias), Optional.empty());
    }

    /** Issues an access key; the answer is the only place its secret ever appears. */
    JsonNode createKey(Optional<String> description) {
        ObjectNode body = JSON.createObjectNode();
        description.ifPresent(d -> body.put("description", d));
        return json(send("POST", "/api/v1/keys", Optional.of(body.toString())));
    }

    /** Access keys without their secrets. */
    List<JsonNode> keys() {
        return list(json(send("GET", "/api/v1/keys", Optional.empty())), "keys");
    }

    void deleteKey(String accessKeyId) {
        send("DELETE", "/api/v1/keys/" + id(accessKeyId, "access key id", "'aloft keys list'"), Optional.empty());
    }

    /** Checked here, not only by the server, because the name becomes part of the request path. */
    private static String functionPath(String name) {
        if (!FUNCTION_NAME.matcher(name).matches()) {
            throw AloftException.invalid("function name '" + name + "' is not valid: use 1 to 64 letters, digits, '-' or '_'"
                    + (name.contains(":") ? " (a version or alias, NAME:QUALIFIER, is only for invoke and schedules)" : ""));
        }
        return "/api/v1/functions/" + name;
    }

    /** Invoke is the one route that takes {@code NAME:QUALIFIER}; the server resolves the qualifier. */
    private static String invokePath(String target) {
        return qualifiedPath(target) + "/invoke";
    }

    /** Invoke and schedules take {@code NAME:QUALIFIER}; the server resolves the qualifier. */
    private static String qualifiedPath(String target) {
        if (!QUALIFIED_NAME.matcher(target).matches()) {
            throw AloftException.invalid("function '" + target + "' is not valid: use NAME, NAME:VERSION or NAME:ALIAS,"
                    + " where NAME is 1 to 64 letters, digits, '-' or '_'");
        }
        return "/api/v1/functions/" + target;
    }

    private static String aliasPath(String name, String alias) {
        if (!ALIAS_NAME.matcher(alias).matches()) {
            throw AloftException.invalid("alias name '" + alias + "' is not valid: use 1 to 128 letters, digits, '-' or '_'");
        }
        return functionPath(name) + "/aliases/" + alias;
    }

    /** Same reason as for function names; ids are the server's UUIDs, so anything else is a typo. */
    private static String invocationPath(String id) {
        return "/api/v1/invocations/" + id(id, "invocation id", "'aloft invocations' or an invoke's output");
    }

    private static String id(String id, String what, String whereToCopyFrom) {
        if (!RESOURCE_ID.matcher(id).matches()) {
            throw AloftException.invalid(what + " '" + id + "' is not valid: copy the full id from " + whereToCopyFrom);
        }
        return id;
    }

    private static List<JsonNode> list(JsonNode page, String field) {
        List<JsonNode> items = new ArrayList<>();
        page.path(field).forEach(items::add);
        return items;
    }

    private static String encode(String queryValue) {
        return URLEncoder.encode(queryValue, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(String method, String path, Optional<String> body) {
        return send(method, path, body, Map.of());
    }

    private HttpResponse<String> send(String method, String path, Optional<String> body, Map<String, String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .method(method, body.map(HttpRequest.BodyPublishers::ofString)
                        .orElseGet(HttpRequest.BodyPublishers::noBody));
        headers.forEach(builder::header);
        HttpRequest request = builder.build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CliException("no Aloft server at " + baseUrl
                    + " (start one with ./aloft up, or set ALOFT_URL)", e);
        } catch (IOException e) {
            throw new CliException(method + " " + baseUrl + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while waiting for " + baseUrl, e);
        }
        if (response.statusCode() >= 400) {
            throw serverError(method + " " + path, response);
        }
        return response;
    }

    /** Turns the API's {@code {"errorType", "message"}} body back into the error the server raised. */
    private static AloftException serverError(String request, HttpResponse<String> response) {
        try {
            JsonNode error = JSON.readTree(response.body());
            if (error != null && error.hasNonNull("message")) {
                // The server's advice is about HTTP headers; a CLI user sets the token, not headers.
                String hint = response.statusCode() == 401
                        ? " (the CLI sends $ALOFT_TOKEN, else the admin-token file in --data-dir: it must be the server's)"
                        : "";
                return new AloftException(response.statusCode(),
                        error.path("errorType").asText("ServiceException"), error.get("message").asText() + hint);
            }
        } catch (JsonProcessingException e) {
            // Not the API's error shape (a proxy in between, or not Aloft at all): report it raw below.
        }
        String body = response.body().strip();
        return new AloftException(response.statusCode(), "ServiceException", "the server answered " + request
                + " with HTTP " + response.statusCode()
                + (body.isEmpty() ? "" : ": " + body.substring(0, Math.min(body.length(), 200))));
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new CliException("the server answered " + response.request().method() + " "
                    + response.uri().getPath() + " with something other than JSON: " + e.getOriginalMessage(), e);
        }
    }
}
