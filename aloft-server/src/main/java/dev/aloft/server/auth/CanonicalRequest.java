package dev.aloft.server.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The canonical form of a request that SigV4 hashes, rebuilt from what arrived. The rules follow
 * the AWS SDKs rather than the prose spec where they differ, because the SDKs are what signs.
 */
final class CanonicalRequest {

    private static final Pattern WHITESPACE = Pattern.compile("[ \\t\\n\\r\\f\\u000b]+");

    /** One query parameter, percent-decoded. */
    record QueryParameter(String name, String value) {
    }

    private CanonicalRequest() {
    }

    static String of(SignedRequest request, List<QueryParameter> query, List<String> signedHeaders, String payloadHash) {
        StringBuilder canonical = new StringBuilder(512)
                .append(request.method()).append('\n')
                .append(uri(request.rawPath())).append('\n')
                .append(queryString(query)).append('\n');
        for (String name : signedHeaders) {
            canonical.append(name).append(':').append(headerValue(request.header(name))).append('\n');
        }
        return canonical.append('\n')
                .append(String.join(";", signedHeaders)).append('\n')
                .append(payloadHash)
                .toString();
    }

    /**
     * For every service but S3 the SDKs normalize the path (drop empty, {@code .} and {@code ..}
     * segments) and then encode the already-encoded path once more: {@code my-fn%3A1} is signed as
     * {@code my-fn%253A1}. Encoding the raw path as received reproduces that.
     */
    static String uri(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            switch (segment) {
                case "", "." -> { }
                case ".." -> {
                    if (!segments.isEmpty()) {
                        segments.removeLast();
                    }
                }
                default -> segments.add(encode(segment));
            }
        }
        String path = "/" + String.join("/", segments);
        return !segments.isEmpty() && rawPath.endsWith("/") ? path + "/" : path;
    }

    /** Parameters sorted by encoded name, then encoded value; nameless ones are not signed. */
    static String queryString(List<QueryParameter> query) {
        return query.stream()
                .filter(p -> !p.name().isEmpty())
                .map(p -> new QueryParameter(encode(p.name()), encode(p.value())))
                .sorted(Comparator.comparing(QueryParameter::name).thenComparing(QueryParameter::value))
                .map(p -> p.name() + "=" + p.value())
                .collect(Collectors.joining("&"));
    }

    /** Splits a raw query into decoded parameters; a parameter without {@code =} has an empty value. */
    static List<QueryParameter> parseQuery(String rawQuery) {
        List<QueryParameter> parameters = new ArrayList<>();
        if (rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            parameters.add(new QueryParameter(decode(name), decode(value)));
        }
        return parameters;
    }

    /** Values trimmed and inner whitespace runs collapsed to one space, repeated headers joined by commas. */
    private static String headerValue(List<String> values) {
        return values.stream()
                .map(v -> WHITESPACE.matcher(v).replaceAll(" ").strip())
                .collect(Collectors.joining(","));
    }

    /** RFC 3986 encoding of UTF-8 bytes: all but unreserved characters, with uppercase hex. */
    static String encode(String text) {
        StringBuilder encoded = new StringBuilder(text.length() + 16);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return encoded.toString();
    }

    // A '%' not followed by two hex digits stays literal, and '+' stays '+': the SDKs encode space
    // as %20, so a literal plus is what a client that sends one most likely signed.
    private static String decode(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        byte[] in = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            int high = i + 2 < in.length ? Character.digit(in[i + 1], 16) : -1;
            int low = i + 2 < in.length ? Character.digit(in[i + 2], 16) : -1;
            if (in[i] == '%' && high >= 0 && low >= 0) {
                out.write(high << 4 | low);
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
