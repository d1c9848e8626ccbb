package dev.aloft.server.auth;

import java.time.Instant;
import java.util.Optional;

/** What the store tells about an access key: everything but its secret. */
public record AccessKey(String accessKeyId, String description, Instant createdAt, Optional<Instant> lastUsedAt,
                        boolean disabled) {
}
