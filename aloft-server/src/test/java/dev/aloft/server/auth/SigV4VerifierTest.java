package dev.aloft.server.auth;

import dev.aloft.server.AloftException;
import dev.aloft.server.store.Database;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Requests signed by the AWS SDK's own signer must verify; any change to them must not. */
class SigV4VerifierTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String INVOKE_PATH = "/2015-03-31/functions/my-fn%3A1/invocations";
    private static final String BODY = "{\"name\": \"Ada\", \"tags\": [\"a b\", \"c/d\"]}";

    @TempDir
    Path dataDir;
    private Database database;
    private AccessKeyStore keys;
    private SigV4Verifier verifier;
    private IssuedKey key;

    @BeforeEach
    void open() {
        database = Database.open(dataDir.resolve("aloft.db"));
        keys = new AccessKeyStore(database, dataDir, InstantSource.fixed(NOW));
        verifier = new SigV4Verifier(keys, InstantSource.fixed(NOW));
        key = keys.create("test");
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void signedGetWithQueryVerifies() {
        SignedRequest request = sign(SdkHttpMethod.GET,
                "/2015-03-31/functions/?MaxItems=10&Marker=a%2Fb%3Dc&FunctionVersion=ALL&Empty=", "", NOW, UnaryOperator.identity());

        VerifiedCaller caller = verifier.verify(request);

        assertThat(caller).isEqualTo(new VerifiedCaller(key.accessKeyId(), "eu-west-3", "lambda"));
        assertThat(keys.list().getFirst().lastUsedAt()).contains(NOW);
    }

    @Test
    void signedPostWithJsonBodyAndEncodedQualifierVerifies() {
        SignedRequest request = sign(SdkHttpMethod.POST, INVOKE_PATH + "?Qualifier=prod", BODY, NOW, UnaryOperator.identity());

        assertThat(request.rawPath()).isEqualTo(INVOKE_PATH);
        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(key.accessKeyId());
    }

    @Test
    void pathWithArnAndSpacesVerifies() {
        String path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn%3Aprod"
                + "/aliases/a%20b~c_d.e";
        SignedRequest request = sign(SdkHttpMethod.PUT, path, BODY, NOW, UnaryOperator.identity());

        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(key.accessKeyId());
    }

    @Test
    void unsignedPayloadVerifiesWithAnyBody() {
        SignedRequest request = sign(SdkHttpMethod.POST, INVOKE_PATH, BODY, NOW,
                s -> s.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false));

        assertThat(request.firstHeader("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");
        assertThat(verifier.verify(withBody(request, "{}")).accessKeyId()).isEqualTo(key.accessKeyId());
    }

    @Test
    void declaredPayloadHashMustMatchTheBody() {
        String bodyHash = HexFormat.of().formatHex(sha256(BODY));
        SignedRequest request = sign(SdkHttpMethod.POST, INVOKE_PATH, BODY, NOW, UnaryOperator.identity(),
                Map.of("x-amz-content-sha256", bodyHash));

        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(key.accessKeyId());
        assertRejected(() -> verifier.verify(withBody(request, "{\"name\": \"Eve\"}")),
                "InvalidSignatureException", "does not match what was computed");
    }

    @Test
    void changedBodyFails() {
        SignedRequest request = sign(SdkHttpMethod.POST, INVOKE_PATH, BODY, NOW, UnaryOperator.identity());
        SignedRequest changed = withBody(request, BODY.replace("Ada", "Eve"));

        assertRejected(() -> verifier.verify(changed), "InvalidSignatureException", "x-amz-content-sha256");
        assertMismatch(withoutHeader(changed, "x-amz-content-sha256"));
    }

    @Test
    void changedSignedHeaderFails() {
        SignedRequest request = sign(SdkHttpMethod.POST, INVOKE_PATH, BODY, NOW, UnaryOperator.identity());

        assertMismatch(withHeader(request, "Content-Type", "text/plain"));
    }

    @Test
    void changedPathQueryOrMethodFails() {
        SignedRequest request = sign(SdkHttpMethod.POST, INVOKE_PATH + "?Qualifier=prod", BODY, NOW, UnaryOperator.identity());

        assertMismatch(new SignedRequest("POST", "/2015-03-31/functions/my-fn%3A2/invocations", request.rawQuery(),
                request.headers(), request.body()));
        assertMismatch(new SignedRequest("POST", "/2015-03-31/functions/my-fn:1/invocations", request.rawQuery(),
                request.headers(), request.body()));
        assertMismatch(new SignedRequest("POST", request.rawPath(), "Qualifier=dev", request.headers(), request.body()));
        assertMismatch(new SignedRequest("PUT", request.rawPath(), request.rawQuery(), request.headers(), request.body()));
    }

    @Test
    void wrongSecretFails() {
        keys.delete(key.accessKeyId());
        IssuedKey other = keys.create("other");
        SignedRequest request = sign(other.accessKeyId(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", SdkHttpMethod.GET,
                "/2015-03-31/functions/", "", NOW, UnaryOperator.identity(), Map.of());

        assertMismatch(request);
    }

    @Test
    void unknownKeyIsUnrecognized() {
        SignedRequest request = sign("AKIAIOSFODNN7EXAMPLE", key.secretAccessKey(), SdkHttpMethod.GET,
                "/2015-03-31/functions/", "", NOW, UnaryOperator.identity(), Map.of());

        assertRejected(() -> verifier.verify(request), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
    }

    @Test
    void disabledOrDeletedKeyIsUnrecognized() {
        SignedRequest request = sign(SdkHttpMethod.GET, "/2015-03-31/functions/", "", NOW, UnaryOperator.identity());

        keys.setDisabled(key.accessKeyId(), true);
        assertRejected(() -> verifier.verify(request), "UnrecognizedClientException", "security token");
        keys.delete(key.accessKeyId());
        assertRejected(() -> verifier.verify(request), "UnrecognizedClientException", "security token");
    }

    @Test
    void requestSignedTenMinutesAgoHasExpired() {
        SignedRequest request = sign(SdkHttpMethod.GET, "/2015-03-31/functions/", "", NOW.minus(Duration.ofMinutes(10)),
                UnaryOperator.identity());

        assertRejected(() -> verifier.verify(request), "InvalidSignatureException",
                "Signature expired: 20260301T115000Z is now earlier than 20260301T115500Z (20260301T120000Z - 5 min.)");
    }

    @Test
    void requestSignedTenMinutesAheadIsNotYetCurrent() {
        SignedRequest request = sign(SdkHttpMethod.GET, "/2015-03-31/functions/", "", NOW.plus(Duration.ofMinutes(10)),
                UnaryOperator.identity());

        assertRejected(() -> verifier.verify(request), "InvalidSignatureException",
                "Signature not yet current: 20260301T121000Z is still later than 20260301T120500Z");
    }

    @Test
    void requestSignedFourMinutesAgoStillVerifies() {
        SignedRequest request = sign(SdkHttpMethod.GET, "/2015-03-31/functions/", "", NOW.minus(Duration.ofMinutes(4)),
                UnaryOperator.identity());

        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(key.accessKeyId());
    }

    @Test
    void presignedUrlVerifiesUntilItExpires() {
        SignedRequest request = sign(SdkHttpMethod.GET, "/2015-03-31/functions/my-fn/configuration?Qualifier=%241",
                "", NOW.minus(Duration.ofMinutes(30)), s -> s
                        .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                        .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofHours(1)));

        assertThat(request.headers()).doesNotContainKey("Authorization");
        assertThat(request.rawQuery()).contains("X-Amz-Signature=");
        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(key.accessKeyId());

        SigV4Verifier later = new SigV4Verifier(keys, InstantSource.fixed(NOW.plus(Duration.ofMinutes(31))));
        assertRejected(() -> later.verify(request), "InvalidSignatureException", "Signature expired");
        assertMismatch(new SignedRequest("GET", request.rawPath(), request.rawQuery().replace("%241", "%242"),
                request.headers(), request.body()));
    }

    @Test
    void withoutAPayloadHeaderTheBodyHashIsSignedAndChecked() {
        SignedRequest request = sign(SdkHttpMethod.POST, INVOKE_PATH, BODY, NOW, s -> s
                .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofMinutes(5)));

        assertThat(request.header("x-amz-content-sha256")).isEmpty();
        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(key.accessKeyId());
        assertMismatch(withBody(request, BODY.replace("Ada", "Eve")));
    }

    @Test
    void unsignedRequestIsMissingAuthentication() {
        SignedRequest request = new SignedRequest("GET", "/2015-03-31/functions/", "", Map.of("Host", List.of("localhost")),
                new byte[0]);

        assertRejected(() -> verifier.verify(request), "MissingAuthenticationTokenException", "Missing Authentication Token");
    }

    @Test
    void malformedAuthorizationIsIncomplete() {
        SignedRequest signed = sign(SdkHttpMethod.GET, "/2015-03-31/functions/", "", NOW, UnaryOperator.identity());
        String authorization = signed.firstHeader("Authorization").orElseThrow();

        assertRejected(() -> verifier.verify(withHeader(signed, "Authorization", "Bearer abc")),
                "IncompleteSignatureException", "AWS4-HMAC-SHA256");
        assertRejected(() -> verifier.verify(withHeader(signed, "Authorization", authorization.replaceAll(", Signature=.*", ""))),
                "IncompleteSignatureException", "'Signature'");
        assertRejected(() -> verifier.verify(withHeader(signed, "Authorization",
                        authorization.replaceAll("/aws4_request", "/aws5_request"))),
                "IncompleteSignatureException", "Credential must have the form");
        assertRejected(() -> verifier.verify(withHeader(signed, "X-Amz-Date", "yesterday")),
                "IncompleteSignatureException", "ISO-8601");
        assertRejected(() -> verifier.verify(withHeader(signed, "X-Amz-Date", "20260302T120000Z")),
                "InvalidSignatureException", "Date in Credential scope does not match");
    }

    private SignedRequest sign(SdkHttpMethod method, String pathAndQuery, String body, Instant signingTime,
                               UnaryOperator<SignRequest.Builder<AwsCredentialsIdentity>> options) {
        return sign(key.accessKeyId(), key.secretAccessKey(), method, pathAndQuery, body, signingTime, options, Map.of());
    }

    private SignedRequest sign(SdkHttpMethod method, String pathAndQuery, String body, Instant signingTime,
                               UnaryOperator<SignRequest.Builder<AwsCredentialsIdentity>> options,
                               Map<String, String> extraHeaders) {
        return sign(key.accessKeyId(), key.secretAccessKey(), method, pathAndQuery, body, signingTime, options, extraHeaders);
    }

    /** Signs with the AWS SDK's signer and returns the request as it would arrive on the wire. */
    private static SignedRequest sign(String accessKeyId, String secret, SdkHttpMethod method, String pathAndQuery,
                                      String body, Instant signingTime,
                                      UnaryOperator<SignRequest.Builder<AwsCredentialsIdentity>> options,
                                      Map<String, String> extraHeaders) {
        SdkHttpRequest.Builder builder = SdkHttpRequest.builder()
                .method(method)
                .uri(URI.create("https://localhost:9000" + pathAndQuery))
                .putHeader("Content-Type", "application/json")
                .putHeader("X-Amz-Target-Ish", "  several   spaces\there  ");
        extraHeaders.forEach(builder::putHeader);
        SdkHttpRequest unsigned = builder.build();
        software.amazon.awssdk.http.auth.spi.signer.SignedRequest signed = AwsV4HttpSigner.create().sign(r -> options.apply(r
                .identity(AwsCredentialsIdentity.create(accessKeyId, secret))
                .request(unsigned)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-3")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signingTime, ZoneOffset.UTC))));
        SdkHttpRequest wire = signed.request();
        Map<String, List<String>> headers = new HashMap<>(wire.headers());
        headers.putIfAbsent("Host", List.of("localhost:9000"));
        String rawQuery = wire.getUri().getRawQuery();
        return new SignedRequest(wire.method().name(), wire.getUri().getRawPath(), rawQuery == null ? "" : rawQuery,
                headers, body.getBytes(StandardCharsets.UTF_8));
    }

    private static SignedRequest withBody(SignedRequest request, String body) {
        return new SignedRequest(request.method(), request.rawPath(), request.rawQuery(), request.headers(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private static SignedRequest withoutHeader(SignedRequest request, String name) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(request.headers());
        headers.remove(name);
        return new SignedRequest(request.method(), request.rawPath(), request.rawQuery(), headers, request.body());
    }

    private static SignedRequest withHeader(SignedRequest request, String name, String value) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(request.headers());
        headers.put(name, List.of(value));
        return new SignedRequest(request.method(), request.rawPath(), request.rawQuery(), headers, request.body());
    }

    private void assertMismatch(SignedRequest request) {
        assertRejected(() -> verifier.verify(request), "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.");
    }

    private static void assertRejected(ThrowingCallable call, String errorType, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(AloftException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(403);
                    assertThat(e.errorType()).isEqualTo(errorType);
                })
                .hasMessageContaining(message);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
