package dev.aloft.server.sandbox;

import java.util.Optional;

/** A protection found on this host, or why it is not available (for the startup report). */
record Detection<T>(Optional<T> found, String whyMissing) {

    static <T> Detection<T> of(T value) {
        return new Detection<>(Optional.of(value), "");
    }

    static <T> Detection<T> missing(String whyMissing) {
        return new Detection<>(Optional.empty(), whyMissing);
    }
}
