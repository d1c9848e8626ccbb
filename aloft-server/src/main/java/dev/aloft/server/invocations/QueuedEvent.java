package dev.aloft.server.invocations;

import dev.aloft.server.functions.FunctionVersions.Qualified;

import java.time.Instant;
import java.util.Optional;

/** An accepted asynchronous event waiting for (another) delivery attempt. */
record QueuedEvent(String id, String functionName, Optional<String> qualifier, byte[] payload, Instant receivedAt,
                   int attempts) {

    Qualified target() {
        return new Qualified(functionName, qualifier);
    }
}
