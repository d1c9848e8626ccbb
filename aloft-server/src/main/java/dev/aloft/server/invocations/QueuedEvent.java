package dev.aloft.server.invocations;

import dev.aloft.server.functions.FunctionVersions.Qualified;

import java.time.Instant;
import java.util.Optional;

/**
 * An accepted asynchronous event waiting for (another) delivery attempt.
 *
 * @param attempts  attempts that ran (to a failure)
 * @param throttles tries throttled since the event last ran
 */
record QueuedEvent(String id, String functionName, Optional<String> qualifier, byte[] payload, Instant receivedAt,
                   int attempts, int throttles) {

    Qualified target() {
        return new Qualified(functionName, qualifier);
    }
}
