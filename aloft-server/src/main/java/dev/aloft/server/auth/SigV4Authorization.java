package dev.aloft.server.auth;

import dev.aloft.server.auth.CanonicalRequest.QueryParameter;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a SigV4 request claims: who signed it, when, for which scope, over which headers. Comes
 * from the {@code Authorization} header or, for presigned URLs, from {@code X-Amz-*} parameters.
 *
 * @param amzDate   the signing time exactly as sent ({@code yyyyMMdd'T'HHmmss'Z'}), part of the string to sign
 * @param validFor  how long a presigned URL stays valid; empty for a signed header (then only clock skew limits it)
 */
record SigV4Authorization(String accessKeyId, String scopeDate, String region, String service,
                          List<String> signedHeaders, String signature, String amzDate, Instant signedAt,
                          boolean presigned, Optional<Duration> validFor) {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final String SIGNATURE_PARAMETER = "X-Amz-Signature";
    static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);
    // AWS's limit for presigned URLs: seven days.
    private static final long MAX_EXPIRES_SECONDS = 604_800;

    /** Reads the claim of a request, preferring the header; fails with AWS's error types. */
    static SigV4Authorization of(SignedRequest request, List<QueryParameter> query) {
        Optional<String> header = request.firstHeader("Authorization");
        if (header.isPresent()) {
            return fromHeader(header.get(), request.firstHeader("X-Amz-Date"));
        }
        Map<String, String> parameters = new HashMap<>();
        query.forEach(p -> parameters.putIfAbsent(p.name(), p.value()));
        if (parameters.containsKey("X-Amz-Algorithm")) {
            return fromQuery(parameters);
        }
        throw SigV4Errors.missingAuthenticationToken();
    }

    private static SigV4Authorization fromHeader(String header, Optional<String> amzDate) {
        if (!header.startsWith(ALGORITHM + " ")) {
            throw SigV4Errors.incompleteSignature("Authorization header must use " + ALGORITHM
                    + " (AWS Signature Version 4), as the AWS SDKs and CLI do");
        }
        Map<String, String> parts = new HashMap<>();
        for (String part : header.substring(ALGORITHM.length() + 1).split(",")) {
            int equals = part.indexOf('=');
            if (equals > 0) {
                parts.put(part.substring(0, equals).strip(), part.substring(equals + 1).strip());
            }
        }
        String credential = parts.get("Credential");
        String signedHeaders = parts.get("SignedHeaders");
        String signature = parts.get("Signature");
        if (credential == null || signedHeaders == null || signature == null) {
            throw SigV4Errors.incompleteSignature("Authorization header requires 'Credential', 'SignedHeaders' and "
                    + "'Signature' parameters. Authorization=" + header);
        }
        String date = amzDate.orElseThrow(() -> SigV4Errors.incompleteSignature(
                "Authorization header requires the existence of an 'X-Amz-Date' header."));
        return build(credential, signedHeaders, signature, date, false, Optional.empty());
    }

    private static SigV4Authorization fromQuery(Map<String, String> parameters) {
        if (!ALGORITHM.equals(parameters.get("X-Amz-Algorithm"))) {
            throw SigV4Errors.incompleteSignature("X-Amz-Algorithm only supports " + ALGORITHM);
        }
        List<String> required = List.of("X-Amz-Credential", "X-Amz-SignedHeaders", SIGNATURE_PARAMETER, "X-Amz-Date");
        for (String name : required) {
            if (!parameters.containsKey(name)) {
                throw SigV4Errors.incompleteSignature("AWS query-string parameters must include " + String.join(", ", required)
                        + "; '" + name + "' is missing. Re-sign the URL with an AWS SDK presigner.");
            }
        }
        Optional<Duration> validFor = Optional.empty();
        String expires = parameters.get("X-Amz-Expires");
        if (expires != null) {
            long seconds = parseExpires(expires);
            validFor = Optional.of(Duration.ofSeconds(seconds));
        }
        return build(parameters.get("X-Amz-Credential"), parameters.get("X-Amz-SignedHeaders"),
                parameters.get(SIGNATURE_PARAMETER), parameters.get("X-Amz-Date"), true, validFor);
    }

    private static long parseExpires(String expires) {
        try {
            long seconds = Long.parseLong(expires);
            if (seconds > 0 && seconds <= MAX_EXPIRES_SECONDS) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // Falls through to the same answer as an out-of-range number.
        }
        throw SigV4Errors.incompleteSignature("X-Amz-Expires must be a number of seconds from 1 to "
                + MAX_EXPIRES_SECONDS + " (7 days), got '" + expires + "'");
    }

    private static SigV4Authorization build(String credential, String signedHeaders, String signature, String amzDate,
                                            boolean presigned, Optional<Duration> validFor) {
        String[] scope = credential.split("/", -1);
        if (scope.length != 5 || scope[0].isEmpty() || scope[2].isEmpty() || scope[3].isEmpty()
                || !"aws4_request".equals(scope[4])) {
            throw SigV4Errors.incompleteSignature("Credential must have the form "
                    + "<access key id>/<yyyyMMdd>/<region>/<service>/aws4_request, got '" + credential + "'");
        }
        Instant signedAt;
        try {
            signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw SigV4Errors.incompleteSignature("Date must be in ISO-8601 'basic format' (yyyyMMdd'T'HHmmss'Z'). Got '"
                    + amzDate + "'.");
        }
        if (!amzDate.startsWith(scope[1])) {
            throw SigV4Errors.invalidSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                    + "of date from HTTP: '" + scope[1] + "' != '" + amzDate.substring(0, 8) + "', from '" + amzDate + "'.");
        }
        List<String> headers = List.of(signedHeaders.split(";"));
        if (!headers.contains("host")) {
            throw SigV4Errors.incompleteSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.");
        }
        return new SigV4Authorization(scope[0], scope[1], scope[2], scope[3], headers, signature, amzDate, signedAt,
                presigned, validFor);
    }

    /** The scope part of the string to sign. */
    String credentialScope() {
        return scopeDate + "/" + region + "/" + service + "/aws4_request";
    }
}
