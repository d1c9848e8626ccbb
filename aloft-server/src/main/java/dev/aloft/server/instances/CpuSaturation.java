package dev.aloft.server.instances;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Whether the node's CPUs are saturated: idle below a threshold over the last sample interval,
 * from {@code /proc/stat} (idle and iowait against all time, steal counted as busy), or, when the
 * server's cgroup has a CPU quota ({@link CgroupCpuQuota}), that quota's unused share below the
 * same threshold. The scheduler asks before it starts an instance: on saturated cores a new process
 * only takes CPU from the others (see {@link WaitOrStart}). The quota is looked up again every
 * {@link #QUOTA_LOOKUP_EVERY_SAMPLES} samples: a container's CPU limit may change while it runs
 * ({@code docker update --cpus}, an in-place pod resize).
 */
final class CpuSaturation {

    private static final Logger LOG = Logger.getLogger(CpuSaturation.class.getName());
    static final Path PROC_STAT = Path.of("/proc/stat");
    static final long SAMPLE_EVERY_MS = 250;
    /** 10 s. */
    static final int QUOTA_LOOKUP_EVERY_SAMPLES = 40;

    private final int idlePercentBelow;
    private final Supplier<Optional<CgroupCpuQuota>> quotaLookup;
    /** The server cgroup's CPU quota, as last looked up. */
    private volatile Optional<CgroupCpuQuota> quota;
    private int samplesSinceQuotaLookup;
    private volatile boolean saturated;
    private boolean hostSaturated;
    private boolean quotaSaturated;
    private long lastIdle = -1;
    private long lastTotal = -1;
    private long lastQuotaUsedNanos = -1;
    private long lastQuotaReadingAt;
    /** The last reading failed: said once, not every {@link #SAMPLE_EVERY_MS} ms. */
    private boolean readFailed;

    /**
     * @param idlePercentBelow saturated while idle time is below this share of all CPU time; 0 never
     *                         (scale-out ignores CPU), 100 always
     */
    private CpuSaturation(int idlePercentBelow, Supplier<Optional<CgroupCpuQuota>> quotaLookup) {
        this.idlePercentBelow = idlePercentBelow;
        this.quotaLookup = quotaLookup;
        this.quota = quotaLookup.get();
        this.saturated = idlePercentBelow >= 100;
        quota.ifPresent(q -> LOG.info(String.format("the server's cgroup %s allows %.2f cores: saturation counts "
                + "them as well as the host's CPUs", q.cgroup(), q.cores())));
    }

    /**
     * Samples every {@link #SAMPLE_EVERY_MS} ms on {@code timers} (unless the answer is fixed: 0 or
     * 100): the host's {@code /proc/stat} and, when there is one, the server's cgroup CPU quota.
     */
    static CpuSaturation sampled(int idlePercentBelow, Supplier<Optional<CgroupCpuQuota>> quotaLookup,
                                 ScheduledExecutorService timers) {
        if (idlePercentBelow <= 0 || idlePercentBelow >= 100 || !Files.isReadable(PROC_STAT)) {
            return fedByHand(idlePercentBelow, Optional::empty);
        }
        CpuSaturation cpu = fedByHand(idlePercentBelow, quotaLookup);
        timers.scheduleWithFixedDelay(cpu::sample, 0, SAMPLE_EVERY_MS, TimeUnit.MILLISECONDS);
        return cpu;
    }

    /** The quota of the cgroup this server runs in, if any. */
    static Optional<CgroupCpuQuota> ownQuota() {
        try {
            return CgroupCpuQuota.find(Path.of("/sys/fs/cgroup"), Files.readString(Path.of("/proc/self/cgroup")));
        } catch (IOException | RuntimeException e) {
            // Looked up every 10 s, so a failure would repeat every 10 s: FINE, not a warning.
            LOG.fine("reading the server's cgroup CPU quota failed; saturation counts the host's CPUs only: " + e);
            return Optional.empty();
        }
    }

    /** One that changes only through {@link #update}, {@link #updateQuota} and {@link #sample}, called by the caller. */
    static CpuSaturation fedByHand(int idlePercentBelow, Supplier<Optional<CgroupCpuQuota>> quotaLookup) {
        return new CpuSaturation(idlePercentBelow, quotaLookup);
    }

    boolean saturated() {
        return saturated;
    }

    /** The CPU quota of the server's cgroup that saturation also counts, in cores; empty when none. */
    OptionalDouble quotaCores() {
        Optional<CgroupCpuQuota> current = quota;
        return current.isPresent() ? OptionalDouble.of(current.get().cores()) : OptionalDouble.empty();
    }

    /** Looks the quota up again; a changed one starts its usage readings afresh. */
    void lookUpQuota() {
        Optional<CgroupCpuQuota> found = quotaLookup.get();
        if (!found.equals(quota)) {
            LOG.info(found.map(q -> String.format("the server's cgroup %s now allows %.2f cores", q.cgroup(), q.cores()))
                    .orElse("the server's cgroup no longer has a CPU quota"));
            quota = found;
            lastQuotaUsedNanos = -1;
            quotaSaturated = false;
            saturated = hostSaturated;
        }
    }

    void sample() {
        if (++samplesSinceQuotaLookup >= QUOTA_LOOKUP_EVERY_SAMPLES) {
            samplesSinceQuotaLookup = 0;
            lookUpQuota();
        }
        Optional<CgroupCpuQuota> quota = this.quota;
        try {
            // Both read before either is taken: a failing one is then said once, not every sample.
            String procStat = Files.readString(PROC_STAT);
            long quotaUsedNanos = quota.isPresent() ? quota.get().usedNanos() : 0;
            long at = System.nanoTime();
            update(procStat);
            if (quota.isPresent()) {
                updateQuota(quota.get().cores(), quotaUsedNanos, at);
            }
        } catch (IOException | RuntimeException e) {
            if (!readFailed) {
                LOG.warning("reading " + PROC_STAT + quota.map(q -> " or " + q.usageFile()).orElse("")
                        + " failed; scaling goes on without the CPU signal until it works: " + e);
            }
            readFailed = true;
            hostSaturated = false;
            quotaSaturated = false;
            saturated = false;
        }
    }

    /** Takes one reading of {@code /proc/stat}; the change since the previous one decides. */
    void update(String procStat) {
        long[] idleAndTotal = idleAndTotal(procStat);
        readFailed = false;
        long idle = idleAndTotal[0] - lastIdle;
        long total = idleAndTotal[1] - lastTotal;
        boolean first = lastTotal < 0;
        lastIdle = idleAndTotal[0];
        lastTotal = idleAndTotal[1];
        if (!first && total > 0) {
            hostSaturated = idle * 100 < total * idlePercentBelow;
            saturated = hostSaturated || quotaSaturated;
        }
    }

    /** Takes one reading of the cgroup quota's usage: {@code usedNanos} of CPU time by {@code atNanos}. */
    void updateQuota(double quotaCores, long usedNanos, long atNanos) {
        long used = usedNanos - lastQuotaUsedNanos;
        long elapsed = atNanos - lastQuotaReadingAt;
        boolean first = lastQuotaUsedNanos < 0;
        lastQuotaUsedNanos = usedNanos;
        lastQuotaReadingAt = atNanos;
        if (!first && elapsed > 0) {
            double allowed = quotaCores * elapsed;
            quotaSaturated = (allowed - used) * 100 < allowed * idlePercentBelow;
            saturated = hostSaturated || quotaSaturated;
        }
    }

    /** Idle (idle + iowait) and total jiffies of all CPUs, from the {@code cpu} line. */
    static long[] idleAndTotal(String procStat) {
        String line = procStat.lines().filter(l -> l.startsWith("cpu ")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no 'cpu' line in /proc/stat"));
        String[] fields = line.trim().split("\\s+");
        long total = 0;
        // user nice system idle iowait irq softirq steal; guest time is already inside user and nice.
        for (int i = 1; i <= Math.min(8, fields.length - 1); i++) {
            total += Long.parseLong(fields[i]);
        }
        long idle = Long.parseLong(fields[4]) + (fields.length > 5 ? Long.parseLong(fields[5]) : 0);
        return new long[] {idle, total};
    }
}
