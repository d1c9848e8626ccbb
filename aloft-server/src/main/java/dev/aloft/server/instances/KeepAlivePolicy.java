package dev.aloft.server.instances;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When idle instances of a function are worth having, learned from the function's own idle times —
 * the hybrid histogram policy of "Serverless in the Wild" (Shahrad et al., USENIX ATC '20),
 * simplified: idle times (end of one invocation to the start of the next) go into one-minute bins
 * up to four hours. With enough samples that fit, the head of the distribution (5th percentile,
 * minus a margin) is the pre-warming window and its tail (99th percentile, plus a margin) the
 * keep-alive window, both counted from the moment the function went idle:
 * <ul>
 *   <li>a function called again within a minute (head in the first bin) keeps its instances
 *       until the tail, so one called every minute is not held for the default;</li>
 *   <li>a function whose next call is minutes away at the earliest (say, every 20 minutes) holds
 *       no instance in between: its instances stop right after it goes idle, and one starts again
 *       when the pre-warming window ends, so the next call still finds it warm.</li>
 * </ul>
 * Too few samples, or a pattern the histogram cannot represent: the configured default keep-alive
 * and no pre-warming. (The paper forecasts such functions with ARIMA; Aloft does not.)
 */
final class KeepAlivePolicy {

    static final int BINS = 240;
    private static final Duration BIN = Duration.ofMinutes(1);
    static final int MIN_SAMPLES = 10;
    /**
     * When this many idle times are counted, every count halves: the histogram follows a function's
     * recent rhythm (its last ~100–200 gaps), so one that starts being called every few seconds
     * after months of ten-minute gaps stops being unloaded between calls within a dozen calls.
     */
    static final int AGE_AT = 200;
    /** Widens both windows, as the paper does: pre-warm 10 % earlier, keep 10 % longer. */
    private static final double MARGIN = 0.1;
    private static final double HEAD_PERCENTILE = 0.05;
    private static final double TAIL_PERCENTILE = 0.99;

    private final Duration fallback;
    private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();
    /** Pools whose histogram was forgotten since the last {@link #takeChanges}: their stored copy goes too. */
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();

    KeepAlivePolicy(Duration fallback) {
        this.fallback = fallback;
    }

    void recordIdle(String poolKey, Duration idle) {
        histograms.computeIfAbsent(poolKey, key -> new Histogram()).add(idle);
    }

    /**
     * When, counted from the moment a function went idle, its idle instances are worth having: from
     * {@code prewarmAfter} until {@code keepUntil}. A zero {@code prewarmAfter} means from the start:
     * instances are kept, not stopped and started again.
     */
    record IdleWindow(Duration prewarmAfter, Duration keepUntil) {
        boolean prewarms() {
            return prewarmAfter.isPositive();
        }
    }

    IdleWindow windowFor(String poolKey) {
        Histogram histogram = histograms.get(poolKey);
        return (histogram == null ? Optional.<IdleWindow>empty() : histogram.window())
                .orElse(new IdleWindow(Duration.ZERO, fallback));
    }

    /** Idle times counted for the pool now (fewer than seen once the counts have aged). */
    int idleTimesCounted(String poolKey) {
        Histogram histogram = histograms.get(poolKey);
        return histogram == null ? 0 : histogram.counted();
    }

    /** Whether {@link #windowFor} is learned from the pool's idle times rather than the default. */
    boolean learned(String poolKey) {
        Histogram histogram = histograms.get(poolKey);
        return histogram != null && histogram.window().isPresent();
    }

    void forget(String poolKey) {
        histograms.remove(poolKey);
        forgotten.add(poolKey);
    }

    /** One histogram's counts: per one-minute bin, and beyond the last. */
    record Counts(int[] bins, int outOfRange) {}

    /** What changed since the last call: histograms to store, and pools whose stored ones to delete. */
    record Changes(Map<String, Counts> changed, Set<String> forgotten) {
        boolean isEmpty() {
            return changed.isEmpty() && forgotten.isEmpty();
        }
    }

    Changes takeChanges() {
        Map<String, Counts> changed = new HashMap<>();
        histograms.forEach((key, histogram) -> histogram.takeIfChanged().ifPresent(counts -> changed.put(key, counts)));
        Set<String> gone = new HashSet<>(forgotten);
        forgotten.removeAll(gone);
        gone.removeAll(changed.keySet());
        return new Changes(changed, gone);
    }

    /** Puts back a histogram stored before a restart. */
    void restore(String poolKey, Counts counts) {
        if (counts.bins().length != BINS) {
            throw new IllegalArgumentException("a stored histogram of " + poolKey + " has " + counts.bins().length
                    + " bins, not " + BINS);
        }
        histograms.put(poolKey, new Histogram(counts));
    }

    /** Counts per one-minute bin; one lock per function, taken once per invocation that found it idle. */
    private static final class Histogram {
        private final int[] bins;
        private int inRange;
        private int outOfRange;
        /** Changed since last taken for storing. */
        private boolean changed;

        Histogram() {
            this.bins = new int[BINS];
        }

        Histogram(Counts counts) {
            this.bins = counts.bins().clone();
            this.outOfRange = counts.outOfRange();
            for (int count : bins) {
                inRange += count;
            }
        }

        synchronized int counted() {
            return inRange + outOfRange;
        }

        synchronized Optional<Counts> takeIfChanged() {
            if (!changed) {
                return Optional.empty();
            }
            changed = false;
            return Optional.of(new Counts(bins.clone(), outOfRange));
        }

        synchronized void add(Duration idle) {
            changed = true;
            long bin = idle.toMinutes();
            if (bin < BINS) {
                bins[(int) bin]++;
                inRange++;
            } else {
                outOfRange++;
            }
            if (inRange + outOfRange >= AGE_AT) {
                inRange = 0;
                for (int i = 0; i < BINS; i++) {
                    bins[i] /= 2;
                    inRange += bins[i];
                }
                outOfRange /= 2;
            }
        }

        synchronized Optional<IdleWindow> window() {
            // Mostly out of range: the function is called rarely; its instances should not wait hours.
            if (inRange < MIN_SAMPLES || outOfRange > inRange) {
                return Optional.empty();
            }
            long headMs = BIN.multipliedBy(percentileBin(HEAD_PERCENTILE)).toMillis();
            long tailMs = BIN.multipliedBy(percentileBin(TAIL_PERCENTILE) + 1L).toMillis();
            return Optional.of(new IdleWindow(Duration.ofMillis((long) (headMs * (1 - MARGIN))),
                    Duration.ofMillis((long) (tailMs * (1 + MARGIN)))));
        }

        /** The bin holding the given fraction of the in-range samples. */
        private int percentileBin(double fraction) {
            int target = Math.max(1, (int) Math.ceil(inRange * fraction));
            int seen = 0;
            for (int bin = 0; bin < BINS; bin++) {
                seen += bins[bin];
                if (seen >= target) {
                    return bin;
                }
            }
            throw new IllegalStateException("the bins hold fewer than the " + inRange + " samples counted in range");
        }
    }
}
