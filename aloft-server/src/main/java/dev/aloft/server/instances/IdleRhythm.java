package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A pool's busy and idle periods: it gives the {@link KeepAlivePolicy} the function's idle times
 * (end of the last call to the start of the next, counted only when the whole function was idle),
 * and tells the reaper what a pre-warm brings back: the latest call's configuration, as many
 * instances as the last busy period had busy at once, once per idle period. Not thread-safe: its
 * pool calls it under the node lock.
 */
final class IdleRhythm {

    /** What to start ahead of an expected call: {@code count} instances of {@code function}. */
    record Prewarm(FunctionConfig function, int count) {}

    private final String poolKey;
    private final KeepAlivePolicy keepAlive;
    private Optional<Instant> lastFinished = Optional.empty();
    /** The configuration of the latest call of the current generation: what a pre-warm starts. */
    private Optional<FunctionConfig> lastInvoked = Optional.empty();
    /** The idle period (its {@link #lastFinished}) a pre-warm was last taken for. */
    private Optional<Instant> prewarmedFor = Optional.empty();
    /** The most instances busy at once since the function was last wholly idle. */
    private int peakBusy;
    private int lastPeakBusy = 1;

    IdleRhythm(String poolKey, KeepAlivePolicy keepAlive) {
        this.poolKey = poolKey;
        this.keepAlive = keepAlive;
    }

    /** A call arrived; {@code functionIdle}: no instance was busy or starting. */
    void called(FunctionConfig function, boolean functionIdle, Instant now) {
        if (functionIdle && lastFinished.isPresent()) {
            keepAlive.recordIdle(poolKey, Duration.between(lastFinished.get(), now));
        }
        // The same configuration object comes with every call of a revision: no allocation per call.
        if (lastInvoked.isEmpty() || lastInvoked.get() != function) {
            lastInvoked = Optional.of(function);
        }
    }

    /** {@code busy} instances are busy (or starting for a caller) now. */
    void busy(int busy) {
        peakBusy = Math.max(peakBusy, busy);
    }

    /** A call (or a provisioning start) ended; {@code functionIdle}: nothing is busy or waiting any more. */
    void finished(Instant now, boolean functionIdle) {
        lastFinished = Optional.of(now);
        if (functionIdle) {
            lastPeakBusy = Math.max(1, peakBusy);
            peakBusy = 0;
        }
    }

    /** How long ago the last call ended, if there was one. */
    Optional<Duration> sinceLastCall(Instant now) {
        return lastFinished.map(finished -> Duration.between(finished, now));
    }

    /** The pre-warm for the current idle period, once; empty when taken already or nothing was called. */
    Optional<Prewarm> takePrewarm() {
        if (lastInvoked.isEmpty() || prewarmedFor.equals(lastFinished)) {
            return Optional.empty();
        }
        prewarmedFor = lastFinished;
        FunctionConfig function = lastInvoked.get();
        return Optional.of(new Prewarm(function, Math.min(lastPeakBusy, function.concurrency())));
    }

    /** The function changed: a pre-warm must not start the old configuration. */
    void retired() {
        lastInvoked = Optional.empty();
    }
}
