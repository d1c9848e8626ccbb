package dev.aloft.server.cli;

import dev.aloft.server.AloftException;

/**
 * A failure on this side of the control API: no server answering, an unreadable local file. It
 * never reaches the edge, so its HTTP status only says "the request did not happen" (0).
 */
final class CliException extends AloftException {

    CliException(String message) {
        super(0, "ClientException", message);
    }

    CliException(String message, Throwable cause) {
        super(0, "ClientException", message, cause);
    }
}
