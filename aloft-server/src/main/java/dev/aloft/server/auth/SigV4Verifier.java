package dev.aloft.server.auth;

import dev.aloft.server.AloftException;
import dev.aloft.server.auth.CanonicalRequest.QueryParameter;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Verifies requests signed with AWS Signature Version 4 against Aloft-issued access keys, so the
 * AWS SDKs and CLI can call Aloft unchanged. Failures are the 403s AWS sends, with the same error
 * types, so the SDKs raise the same typed exceptions (and correct their clock on skew).
 */
public final class SigV4Verifier {

    /** How far the signing time may be from now, either way; AWS allows the same. */
    private static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    private static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    private static final HexFormat HEX = HexFormat.of();

    private final AccessKeyStore keys;
    private final InstantSource clock;

    public SigV4Verifier(AccessKeyStore keys, InstantSource clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * Checks the signature of {@code request}.
     *
     * @return who signed it
     * @throws AloftException 403 with {@code MissingAuthenticationTokenException}, {@code IncompleteSignatureException},
     *                        {@code UnrecognizedClientException} or {@code InvalidSignatureException}
     */
    public VerifiedCaller verify(SignedRequest request) {
        List<QueryParameter> query = CanonicalRequest.parseQuery(request.rawQuery());
        SigV4Authorization auth = SigV4Authorization.of(request, query);
        String secret = keys.secretFor(auth.accessKeyId()).orElseThrow(SigV4Errors::unrecognizedClient);
        checkTime(auth, clock.instant());

        List<QueryParameter> signedQuery = auth.presigned()
                ? query.stream().filter(p -> !p.name().equals(SigV4Authorization.SIGNATURE_PARAMETER)).toList()
                : query;
        String canonicalRequest = CanonicalRequest.of(request, signedQuery, auth.signedHeaders(), payloadHash(request));
        String stringToSign = SigV4Authorization.ALGORITHM + "\n" + auth.amzDate() + "\n" + auth.credentialScope() + "\n"
                + HEX.formatHex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] signingKey = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), auth.scopeDate());
        signingKey = hmac(signingKey, auth.region());
        signingKey = hmac(signingKey, auth.service());
        signingKey = hmac(signingKey, "aws4_request");
        byte[] expected = HEX.formatHex(hmac(signingKey, stringToSign)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, auth.signature().getBytes(StandardCharsets.US_ASCII))) {
            throw SigV4Errors.signatureMismatch();
        }
        keys.recordUse(auth.accessKeyId());
        return new VerifiedCaller(auth.accessKeyId(), auth.region(), auth.service());
    }

    // Messages follow AWS's wording: the SDKs recognise clock skew by error type, people by text.
    private static void checkTime(SigV4Authorization auth, Instant now) {
        Instant signedAt = auth.signedAt();
        Instant latest = auth.validFor().map(signedAt::plus).orElse(signedAt.plus(MAX_CLOCK_SKEW));
        if (now.isAfter(latest)) {
            String limit = auth.validFor()
                    .map(d -> format(latest) + " (" + auth.amzDate() + " + " + d.toSeconds() + " sec.)")
                    .orElse(format(now.minus(MAX_CLOCK_SKEW)) + " (" + format(now) + " - 5 min.)");
            throw SigV4Errors.invalidSignature("Signature expired: " + auth.amzDate() + " is now earlier than " + limit
                    + ". Check the clock of the signing machine, or sign the request again.");
        }
        if (signedAt.isAfter(now.plus(MAX_CLOCK_SKEW))) {
            throw SigV4Errors.invalidSignature("Signature not yet current: " + auth.amzDate() + " is still later than "
                    + format(now.plus(MAX_CLOCK_SKEW)) + " (" + format(now) + " + 5 min.). Check the clock of the "
                    + "signing machine.");
        }
    }

    /**
     * The payload hash the client signed: {@code x-amz-content-sha256} when sent (after checking
     * it against the body), otherwise the body's SHA-256, which is what the SDKs sign for Lambda.
     */
    private static String payloadHash(SignedRequest request) {
        String bodyHash = HEX.formatHex(sha256(request.body()));
        Optional<String> declared = request.firstHeader("x-amz-content-sha256");
        if (declared.isEmpty()) {
            return bodyHash;
        }
        String value = declared.get();
        if (value.equals(UNSIGNED_PAYLOAD)) {
            return value;
        }
        if (!value.matches("[0-9a-fA-F]{64}")) {
            throw SigV4Errors.incompleteSignature("x-amz-content-sha256 must be the hex SHA-256 of the body or "
                    + UNSIGNED_PAYLOAD + "; streaming (chunked) signatures are not supported. Got '" + value + "'.");
        }
        if (!value.toLowerCase(Locale.ROOT).equals(bodyHash)) {
            throw SigV4Errors.invalidSignature("The provided 'x-amz-content-sha256' header does not match what was "
                    + "computed: the body was changed after it was signed.");
        }
        return value;
    }

    private static String format(Instant instant) {
        return SigV4Authorization.AMZ_DATE.format(instant.atOffset(ZoneOffset.UTC));
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new AloftException(500, "ServiceException", "this JVM lacks SHA-256: " + e.getMessage(), e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new AloftException(500, "ServiceException", "this JVM lacks HmacSHA256: " + e.getMessage(), e);
        }
    }
}
