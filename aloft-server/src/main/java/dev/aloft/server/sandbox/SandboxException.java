package dev.aloft.server.sandbox;

import dev.aloft.server.AloftException;

/** An instance process could not be started inside its sandbox. */
public final class SandboxException extends AloftException {
    public SandboxException(String message, Throwable cause) {
        super(500, "ServiceException", message, cause);
    }

    public SandboxException(String message) {
        super(500, "ServiceException", message);
    }
}
