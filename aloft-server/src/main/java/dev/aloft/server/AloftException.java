package dev.aloft.server;

/**
 * Root of every error Aloft raises on purpose. Subtypes carry the meaning a caller acts on; the
 * edge maps each to an HTTP status, so the message must tell the user what to fix.
 */
public class AloftException extends RuntimeException {
    private final int httpStatus;
    private final String errorType;

    public AloftException(int httpStatus, String errorType, String message) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorType = errorType;
    }

    public AloftException(int httpStatus, String errorType, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorType = errorType;
    }

    /** The HTTP status the edge answers with. */
    public int httpStatus() {
        return httpStatus;
    }

    /** A stable, Lambda-style name of the error kind, e.g. {@code InvalidParameterValueException}. */
    public String errorType() {
        return errorType;
    }

    /** 400: the caller sent something invalid; the message says what and how to fix it. */
    public static AloftException invalid(String message) {
        return new AloftException(400, "InvalidParameterValueException", message);
    }

    /** 404: the named resource does not exist. */
    public static AloftException notFound(String message) {
        return new AloftException(404, "ResourceNotFoundException", message);
    }
}
