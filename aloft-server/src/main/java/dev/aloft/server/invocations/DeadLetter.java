package dev.aloft.server.invocations;

import java.time.Instant;
import java.util.Optional;

/** An event that failed every attempt (or grew too old) and had no on-failure destination. */
public record DeadLetter(String id, String functionName, byte[] payload, String condition, Optional<String> errorType,
                         Optional<String> errorMessage, int attempts, Instant receivedAt, Instant failedAt) {}
