package dev.aloft.server;

import java.net.URI;
import java.util.List;

/** A running Aloft node: edge, runtime API, scheduler and store. Placeholder until wired. */
public final class AloftServer implements AutoCloseable {

    private AloftServer() {}

    /** Starts a node; returns once it accepts requests. */
    public static AloftServer start(ServerSettings settings) {
        throw new UnsupportedOperationException("not wired yet");
    }

    /** e.g. http://127.0.0.1:8080 */
    public URI baseUrl() {
        throw new UnsupportedOperationException();
    }

    /** The admin bearer token (also in {@code <data>/admin-token}, mode 0600). */
    public String adminToken() {
        throw new UnsupportedOperationException();
    }

    /** Lines telling which limits and protections this host enforces. */
    public List<String> startupReport() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
}
