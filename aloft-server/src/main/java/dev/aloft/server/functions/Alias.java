package dev.aloft.server.functions;

import java.time.Instant;
import java.util.Optional;

/**
 * A named pointer to a version. With {@code additionalVersion}, that fraction of invocations
 * ({@code additionalWeight}, 0..1) goes to the other version: a canary, rolled back by updating
 * the alias.
 */
public record Alias(String functionName, String name, String version, Optional<String> additionalVersion,
                    double additionalWeight, String description, Instant updatedAt) {}
