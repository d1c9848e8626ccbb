package dev.aloft.server.instances;

import dev.aloft.server.AloftException;

/** Every instance a function may have is busy, and none freed up within the queue wait. */
public final class ThrottledException extends AloftException {
    public ThrottledException(String message) {
        super(429, "TooManyRequestsException", message);
    }
}
