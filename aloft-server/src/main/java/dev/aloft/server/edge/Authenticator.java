package dev.aloft.server.edge;

import dev.aloft.server.AloftException;
import dev.aloft.server.auth.SigV4Verifier;
import dev.aloft.server.auth.SignedRequest;
import dev.aloft.server.auth.VerifiedCaller;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the credential of control calls and private function URLs: the admin bearer token, or a
 * request signed with AWS Signature Version 4 by an Aloft access key.
 */
final class Authenticator {

    private static final String SIGV4_SCHEME = "AWS4-HMAC-SHA256";
    private static final String PRESIGNED_PARAMETER = "X-Amz-Signature=";

    private final byte[] adminToken;
    private final SigV4Verifier verifier;

    Authenticator(String adminToken, SigV4Verifier verifier) {
        this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
        this.verifier = verifier;
    }

    /**
     * Accepts the admin token or a SigV4 signature. A signature covers the body, so a signed
     * request's body is read here (up to {@code maxBodyBytes}) and kept for {@link Exchange#body}.
     *
     * @throws AloftException 401 without a credential or with a wrong token, 403 for a bad signature
     */
    void require(ServerRequest req, int maxBodyBytes) {
        if (isSigned(req)) {
            verifySigned(req, Exchange.body(req, maxBodyBytes, "signed request body"));
            return;
        }
        requireAdmin(req);
    }

    /** Accepts only the admin token (for what an access key must not do, such as issuing keys). */
    void requireAdmin(ServerRequest req) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty()) {
            throw unauthorized("this endpoint needs a credential: send 'Authorization: Bearer <token>' "
                    + "(the admin token is in <data>/admin-token) or sign the request with an access key (SigV4)");
        }
        String value = header.get();
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)
                || !MessageDigest.isEqual(adminToken, value.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
            throw unauthorized("the credential is not valid here: send 'Authorization: Bearer <token>' with the admin token");
        }
    }

    /**
     * Verifies the SigV4 signature of a request whose body was read already, and keeps the body
     * for the handler.
     *
     * @throws AloftException 403 with the error type AWS uses for the failure
     */
    VerifiedCaller verifySigned(ServerRequest req, byte[] body) {
        VerifiedCaller caller = verifier.verify(new SignedRequest(req.prologue().method().text(), req.path().rawPath(),
                req.query().rawValue(), headers(req), body));
        Exchange.keepBody(req, body);
        return caller;
    }

    /** Every header as sent, repeated ones with all their values. */
    private static Map<String, List<String>> headers(ServerRequest req) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Header header : req.headers()) {
            headers.computeIfAbsent(header.name(), n -> new ArrayList<>()).addAll(header.allValues());
        }
        return headers;
    }

    private static boolean isSigned(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION).map(v -> v.startsWith(SIGV4_SCHEME)).orElse(false)
                || req.query().rawValue().contains(PRESIGNED_PARAMETER);
    }

    private static AloftException unauthorized(String message) {
        return new AloftException(401, "UnauthorizedException", message);
    }
}
