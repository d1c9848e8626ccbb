package dev.aloft.runtime;

import java.io.IOException;
import java.io.OutputStream;

/** The author's handler, whatever its kind, adapted to bytes in and bytes out. */
@FunctionalInterface
interface FunctionHandler {

    /**
     * Runs the function on one event. What the handler throws comes out as is, or wrapped in a
     * {@link FunctionFailedException} when it was checked.
     */
    void handle(byte[] event, OutputStream result, InvocationContext context) throws IOException;
}
