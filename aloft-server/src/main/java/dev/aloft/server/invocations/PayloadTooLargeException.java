package dev.aloft.server.invocations;

import dev.aloft.server.AloftException;

/** A request body over the invocation payload limit. */
public final class PayloadTooLargeException extends AloftException {
    public PayloadTooLargeException(String message) {
        super(413, "RequestEntityTooLargeException", message);
    }
}
