package dev.aloft.function;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A function that reads the raw event bytes and writes the raw result bytes, for authors who
 * want their own serialization (or none). What is written to {@code output} is the response
 * body exactly.
 */
@FunctionalInterface
public interface StreamHandler {

    void handle(InputStream input, OutputStream output, Context context) throws IOException;
}
