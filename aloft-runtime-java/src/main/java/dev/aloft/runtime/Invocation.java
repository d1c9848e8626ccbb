package dev.aloft.runtime;

import java.time.Instant;
import java.util.Optional;

/** One event handed out by {@code /runtime/invocation/next}. */
record Invocation(
        String requestId,
        Instant deadline,
        String invokedFunctionArn,
        Optional<String> traceId,
        byte[] event) {
}
