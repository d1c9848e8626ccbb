package dev.aloft.server.invocations;

import java.time.Instant;

/** An accepted asynchronous event waiting for (another) delivery attempt. */
record QueuedEvent(String id, String functionName, byte[] payload, Instant receivedAt, int attempts) {}
