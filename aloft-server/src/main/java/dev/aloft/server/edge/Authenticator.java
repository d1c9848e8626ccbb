package dev.aloft.server.edge;

import dev.aloft.server.AloftException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Checks the bearer credential of control calls and private function URLs. */
final class Authenticator {

    private final byte[] adminToken;

    Authenticator(String adminToken) {
        this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
    }

    /** @throws AloftException 401 when the request carries no valid credential */
    void require(ServerRequest req) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty()) {
            throw unauthorized("this endpoint needs a credential: send 'Authorization: Bearer <token>' "
                    + "(the admin token is in <data>/admin-token)");
        }
        String value = header.get();
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)
                || !MessageDigest.isEqual(adminToken, value.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
            throw unauthorized("the credential is not valid: send 'Authorization: Bearer <token>' with the admin token");
        }
    }

    private static AloftException unauthorized(String message) {
        return new AloftException(401, "UnauthorizedException", message);
    }
}
