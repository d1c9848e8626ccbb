package dev.aloft.server.instances;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long idle instances of a function are kept, learned from the function's own idle times —
 * the histogram policy of "Serverless in the Wild" (Shahrad et al., USENIX ATC '20), simplified:
 * idle times (end of one invocation to the start of the next) go into one-minute bins up to four
 * hours; with enough samples that fit, instances are kept for the 99th percentile plus a margin,
 * so a function called every minute is not held for the default, and one called every 20 minutes
 * stays warm between calls. Too few samples, or a pattern the histogram cannot represent: the
 * configured default.
 */
final class KeepAlivePolicy {

    static final int BINS = 240;
    private static final Duration BIN = Duration.ofMinutes(1);
    static final int MIN_SAMPLES = 10;
    private static final double MARGIN = 1.1;

    private final Duration fallback;
    private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();

    KeepAlivePolicy(Duration fallback) {
        this.fallback = fallback;
    }

    void recordIdle(String poolKey, Duration idle) {
        histograms.computeIfAbsent(poolKey, key -> new Histogram()).add(idle);
    }

    Duration keepAliveFor(String poolKey) {
        Histogram histogram = histograms.get(poolKey);
        return histogram == null ? fallback : histogram.keepAlive().orElse(fallback);
    }

    void forget(String poolKey) {
        histograms.remove(poolKey);
    }

    /** Counts per one-minute bin; one lock per function, taken once per invocation that found it idle. */
    private static final class Histogram {
        private final int[] bins = new int[BINS];
        private int inRange;
        private int outOfRange;

        synchronized void add(Duration idle) {
            long bin = idle.toMinutes();
            if (bin < BINS) {
                bins[(int) bin]++;
                inRange++;
            } else {
                outOfRange++;
            }
        }

        synchronized Optional<Duration> keepAlive() {
            // Mostly out of range: the function is called rarely; its instances should not wait hours.
            if (inRange < MIN_SAMPLES || outOfRange > inRange) {
                return Optional.empty();
            }
            int target = (int) Math.ceil(inRange * 0.99);
            int seen = 0;
            for (int bin = 0; bin < BINS; bin++) {
                seen += bins[bin];
                if (seen >= target) {
                    long upperEdgeMs = BIN.multipliedBy(bin + 1L).toMillis();
                    return Optional.of(Duration.ofMillis((long) (upperEdgeMs * MARGIN)));
                }
            }
            return Optional.empty();
        }
    }
}
