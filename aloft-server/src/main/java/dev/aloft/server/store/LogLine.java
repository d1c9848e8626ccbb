package dev.aloft.server.store;

import java.time.Instant;

/** One line a function instance printed. {@code cursor} orders lines and pages through them. */
public record LogLine(long cursor, String functionName, String invocationId, Instant time, String stream, String line) {}
