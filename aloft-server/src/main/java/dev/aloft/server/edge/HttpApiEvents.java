package dev.aloft.server.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * API Gateway HTTP API payload format 2.0, as Lambda function URLs use it: the event a request
 * becomes, and how the function's result becomes a response.
 */
final class HttpApiEvents {

    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** The HTTP response a function's result maps to. */
    record HttpResult(int status, Map<String, List<String>> headers, byte[] body) {}

    private HttpApiEvents() {}

    /**
     * The event for a request.
     *
     * @param rawPath         the path after {@code /fn/NAME}, at least "/"
     * @param dropCredential  leave out the Authorization header (it carried the platform's credential)
     */
    static byte[] event(ServerRequest req, String functionName, String rawPath, String requestId, byte[] body,
                        boolean dropCredential, Instant now) {
        ObjectNode event = Exchange.JSON.createObjectNode();
        event.put("version", "2.0");
        event.put("routeKey", "$default");
        event.put("rawPath", rawPath);
        String rawQuery = req.query().rawValue();
        event.put("rawQueryString", rawQuery);

        ObjectNode headers = event.putObject("headers");
        ArrayNode cookies = Exchange.JSON.createArrayNode();
        for (Header header : req.headers()) {
            String name = header.name().toLowerCase(Locale.ROOT);
            if (dropCredential && name.equals("authorization")) {
                continue;
            }
            if (name.equals("cookie")) {
                for (String value : header.allValues()) {
                    for (String cookie : value.split(";")) {
                        if (!cookie.isBlank()) {
                            cookies.add(cookie.trim());
                        }
                    }
                }
                continue;
            }
            headers.put(name, String.join(",", header.allValues()));
        }
        if (!cookies.isEmpty()) {
            event.set("cookies", cookies);
        }
        if (!rawQuery.isEmpty()) {
            event.set("queryStringParameters", queryParameters(rawQuery));
        }

        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "anonymous");
        context.put("apiId", functionName);
        String host = req.headers().first(HeaderNames.HOST).orElse("localhost");
        context.put("domainName", host);
        context.put("domainPrefix", functionName);
        ObjectNode http = context.putObject("http");
        http.put("method", req.prologue().method().text());
        http.put("path", rawPath);
        http.put("protocol", req.prologue().rawProtocol());
        http.put("sourceIp", req.remotePeer().host());
        http.put("userAgent", req.headers().first(HeaderNames.USER_AGENT).orElse(""));
        context.put("requestId", requestId);
        context.put("routeKey", "$default");
        context.put("stage", "$default");
        context.put("time", REQUEST_TIME.format(now));
        context.put("timeEpoch", now.toEpochMilli());

        if (body.length > 0) {
            boolean text = isText(req.headers().contentType().map(Object::toString).orElse(""));
            event.put("body", text ? new String(body, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body));
            event.put("isBase64Encoded", !text);
        } else {
            event.put("isBase64Encoded", false);
        }
        try {
            return Exchange.JSON.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new IllegalStateException("a tree of strings always serializes", e);
        }
    }

    private static ObjectNode queryParameters(String rawQuery) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            values.merge(key, value, (a, b) -> a + "," + b);
        }
        ObjectNode node = Exchange.JSON.createObjectNode();
        values.forEach(node::put);
        return node;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static boolean isText(String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT);
        return type.isEmpty() || type.startsWith("text/") || type.contains("json") || type.contains("xml")
                || type.contains("x-www-form-urlencoded") || type.contains("javascript");
    }

    /**
     * Maps a function's result like Lambda function URLs do: an object with {@code statusCode} is
     * a full response; any other valid JSON is a 200 application/json body.
     */
    static HttpResult result(byte[] functionResult) {
        Optional<JsonNode> parsed = parse(functionResult);
        if (parsed.isEmpty() || !parsed.get().isObject() || !parsed.get().has("statusCode")) {
            return new HttpResult(200, Map.of("content-type", List.of("application/json")), functionResult);
        }
        JsonNode response = parsed.get();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        JsonNode single = response.path("headers");
        single.properties().forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), List.of(e.getValue().asText())));
        JsonNode multi = response.path("multiValueHeaders");
        multi.properties().forEach(e -> {
            List<String> values = new ArrayList<>();
            e.getValue().forEach(v -> values.add(v.asText()));
            headers.put(e.getKey().toLowerCase(Locale.ROOT), values);
        });
        JsonNode cookies = response.path("cookies");
        if (cookies.isArray() && !cookies.isEmpty()) {
            List<String> setCookies = new ArrayList<>();
            cookies.forEach(c -> setCookies.add(c.asText()));
            headers.put("set-cookie", setCookies);
        }
        JsonNode bodyNode = response.get("body");
        byte[] body;
        if (bodyNode == null || bodyNode.isNull()) {
            body = new byte[0];
        } else if (response.path("isBase64Encoded").asBoolean(false)) {
            body = Base64.getMimeDecoder().decode(bodyNode.asText());
        } else {
            body = (bodyNode.isTextual() ? bodyNode.asText() : bodyNode.toString()).getBytes(StandardCharsets.UTF_8);
        }
        headers.putIfAbsent("content-type", List.of("application/json"));
        return new HttpResult(response.path("statusCode").asInt(200), headers, body);
    }

    private static Optional<JsonNode> parse(byte[] json) {
        try {
            return Optional.ofNullable(Exchange.JSON.readTree(json));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
