package dev.aloft.server.edge;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    /** requestContext.time, which changes once a second: formatting it per request was a third of the event's cost. */
    private record FormattedSecond(long epochSecond, String text) {}

    private static volatile FormattedSecond lastRequestTime = new FormattedSecond(Long.MIN_VALUE, "");

    /** The HTTP response a function's result maps to. */
    record HttpResult(int status, Map<String, List<String>> headers, byte[] body) {}

    private HttpApiEvents() {}

    /**
     * The event for a request, written field by field: building a JSON tree first cost an eighth
     * of the server's CPU on the warm path.
     *
     * @param rawPath         the path after {@code /fn/NAME}, at least "/"
     * @param dropCredential  leave out the Authorization header (it carried the platform's credential)
     */
    static byte[] event(ServerRequest req, String functionName, String rawPath, String requestId, byte[] body,
                        boolean dropCredential, Instant now) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024 + body.length * 4 / 3);
        try (JsonGenerator json = Exchange.JSON.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("version", "2.0");
            json.writeStringField("routeKey", "$default");
            json.writeStringField("rawPath", rawPath);
            String rawQuery = req.query().rawValue();
            json.writeStringField("rawQueryString", rawQuery);

            List<String> cookies = new ArrayList<>();
            json.writeObjectFieldStart("headers");
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
                json.writeStringField(name, String.join(",", header.allValues()));
            }
            json.writeEndObject();
            if (!cookies.isEmpty()) {
                json.writeArrayFieldStart("cookies");
                for (String cookie : cookies) {
                    json.writeString(cookie);
                }
                json.writeEndArray();
            }
            if (!rawQuery.isEmpty()) {
                json.writeObjectFieldStart("queryStringParameters");
                for (Map.Entry<String, String> parameter : queryParameters(rawQuery).entrySet()) {
                    json.writeStringField(parameter.getKey(), parameter.getValue());
                }
                json.writeEndObject();
            }

            json.writeObjectFieldStart("requestContext");
            json.writeStringField("accountId", "anonymous");
            json.writeStringField("apiId", functionName);
            json.writeStringField("domainName", req.headers().first(HeaderNames.HOST).orElse("localhost"));
            json.writeStringField("domainPrefix", functionName);
            json.writeObjectFieldStart("http");
            json.writeStringField("method", req.prologue().method().text());
            json.writeStringField("path", rawPath);
            json.writeStringField("protocol", req.prologue().rawProtocol());
            json.writeStringField("sourceIp", req.remotePeer().host());
            json.writeStringField("userAgent", req.headers().first(HeaderNames.USER_AGENT).orElse(""));
            json.writeEndObject();
            json.writeStringField("requestId", requestId);
            json.writeStringField("routeKey", "$default");
            json.writeStringField("stage", "$default");
            json.writeStringField("time", requestTime(now));
            json.writeNumberField("timeEpoch", now.toEpochMilli());
            json.writeEndObject();

            if (body.length > 0) {
                boolean text = isText(req.headers().contentType().map(Object::toString).orElse(""));
                json.writeStringField("body", text ? new String(body, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body));
                json.writeBooleanField("isBase64Encoded", !text);
            } else {
                json.writeBooleanField("isBase64Encoded", false);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static String requestTime(Instant now) {
        FormattedSecond last = lastRequestTime;
        if (last.epochSecond() != now.getEpochSecond()) {
            last = new FormattedSecond(now.getEpochSecond(), REQUEST_TIME.format(now));
            lastRequestTime = last;
        }
        return last.text();
    }

    /** Query parameters by name, decoded; a repeated name's values joined with commas, as API Gateway does. */
    private static Map<String, String> queryParameters(String rawQuery) {
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
        return values;
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
