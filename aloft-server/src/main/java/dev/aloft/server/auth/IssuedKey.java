package dev.aloft.server.auth;

import java.time.Instant;

/**
 * A freshly issued access key. This is the only time the secret leaves the store in plaintext:
 * show it to the user once, then forget it.
 */
public record IssuedKey(String accessKeyId, String secretAccessKey, Instant createdAt) {

    @Override
    public String toString() {
        return "IssuedKey[accessKeyId=" + accessKeyId + ", secretAccessKey=<redacted>, createdAt=" + createdAt + "]";
    }
}
