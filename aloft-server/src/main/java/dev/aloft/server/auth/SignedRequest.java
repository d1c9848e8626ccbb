package dev.aloft.server.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An HTTP request as it arrived, before any decoding: SigV4 signs the bytes the client sent, so
 * {@code rawPath} and {@code rawQuery} must be exactly what was on the request line.
 *
 * @param rawQuery the query without its {@code ?}; empty when there is none
 * @param headers  looked up case-insensitively; repeated headers keep all their values
 * @param body     the whole body (not copied; do not change it afterwards)
 */
public record SignedRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                            byte[] body) {

    public SignedRequest {
        TreeMap<String, List<String>> caseInsensitive = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> caseInsensitive.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        caseInsensitive.replaceAll((name, values) -> List.copyOf(values));
        headers = Collections.unmodifiableMap(caseInsensitive);
    }

    /** Every value of a header, in the order received; empty when it is absent. */
    public List<String> header(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** The first value of a header. */
    public Optional<String> firstHeader(String name) {
        return header(name).stream().findFirst();
    }
}
