package dev.aloft.runtime;

/** The process was started without what it needs to talk to the platform; it cannot report this. */
final class RuntimeSetupException extends RuntimeException {

    RuntimeSetupException(String message) {
        super(message);
    }

    RuntimeSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
