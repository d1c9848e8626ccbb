package dev.aloft.server.instances;

import dev.aloft.server.AloftException;

/** The function was deleted while a call to it waited for an instance: the call fails rather than start one. */
public final class FunctionDeletedException extends AloftException {
    FunctionDeletedException(String functionName) {
        super(404, "ResourceNotFoundException", "function '" + functionName + "' was deleted while this call waited for an instance");
    }
}
