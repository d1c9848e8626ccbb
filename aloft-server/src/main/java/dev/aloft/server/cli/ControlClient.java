package dev.aloft.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The native control API ({@code /api/v1}, see docs/api.md) as Java calls. Every command goes
 * through here, so authentication, error mapping and "is a server there at all" live in one place.
 */
final class ControlClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    private final URI baseUrl;
    private final String token;

    ControlClient(URI baseUrl, String token) {
        this.baseUrl = URI.create(baseUrl.toString().replaceAll("/+$", ""));
        this.token = token;
    }

    /** The result of one invocation; {@code functionError} is set when the function failed. */
    record Invocation(String invocationId, Optional<String> functionError, String payload) {}

    /** One page of log lines; poll again with {@code after = nextCursor} for newer ones. */
    record LogPage(List<JsonNode> logs, long nextCursor) {}

    URI baseUrl() {
        return baseUrl;
    }

    /** Creates or replaces the function; returns it as the server describes it. */
    JsonNode deploy(FunctionSpec spec) {
        return json(send("PUT", functionPath(spec.name()), Optional.of(spec.request().toString())));
    }

    /** Every function, sorted by name. */
    List<JsonNode> functions() {
        List<JsonNode> functions = new ArrayList<>();
        json(send("GET", "/api/v1/functions", Optional.empty())).path("functions").forEach(functions::add);
        return functions;
    }

    JsonNode function(String name) {
        return json(send("GET", functionPath(name), Optional.empty()));
    }

    void delete(String name) {
        send("DELETE", functionPath(name), Optional.empty());
    }

    Invocation invoke(String name, String event) {
        HttpResponse<String> response = send("POST", functionPath(name) + "/invoke", Optional.of(event));
        return new Invocation(
                response.headers().firstValue("X-Aloft-Invocation-Id").orElse(""),
                response.headers().firstValue("X-Aloft-Function-Error"),
                response.body());
    }

    LogPage logs(String name, Optional<String> invocationId, long after, int limit) {
        String query = "?after=" + after + "&limit=" + limit
                + invocationId.map(id -> "&invocationId=" + URLEncoder.encode(id, StandardCharsets.UTF_8)).orElse("");
        JsonNode page = json(send("GET", functionPath(name) + "/logs" + query, Optional.empty()));
        List<JsonNode> logs = new ArrayList<>();
        page.path("logs").forEach(logs::add);
        return new LogPage(logs, page.path("nextCursor").asLong(after));
    }

    /** Checked here, not only by the server, because the name becomes part of the request path. */
    private static String functionPath(String name) {
        if (!FUNCTION_NAME.matcher(name).matches()) {
            throw AloftException.invalid("function name '" + name
                    + "' is not valid: use 1 to 64 letters, digits, '-' or '_'");
        }
        return "/api/v1/functions/" + name;
    }

    private HttpResponse<String> send(String method, String path, Optional<String> body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .method(method, body.map(HttpRequest.BodyPublishers::ofString)
                        .orElseGet(HttpRequest.BodyPublishers::noBody))
                .build();
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
                return new AloftException(response.statusCode(),
                        error.path("errorType").asText("ServiceException"), error.get("message").asText());
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
