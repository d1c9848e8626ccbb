package dev.aloft.server.instances;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Whether the node's CPUs are saturated: idle below a threshold over the last sample interval,
 * from {@code /proc/stat} (idle and iowait against all time, steal counted as busy). The scheduler
 * asks before it starts an instance: on saturated cores a new process only takes CPU from the others
 * (see {@link WaitOrStart}). {@code /proc/stat} counts the whole host; a container limited by a CPU
 * quota below the host's cores is saturated before this notices, and scales as if it were not.
 */
final class CpuSaturation {

    private static final Logger LOG = Logger.getLogger(CpuSaturation.class.getName());
    static final Path PROC_STAT = Path.of("/proc/stat");
    static final long SAMPLE_EVERY_MS = 250;

    private final int idlePercentBelow;
    private volatile boolean saturated;
    private long lastIdle = -1;
    private long lastTotal = -1;
    /** The last reading failed: said once, not every {@link #SAMPLE_EVERY_MS} ms. */
    private boolean readFailed;

    /**
     * @param idlePercentBelow saturated while idle time is below this share of all CPU time; 0 never
     *                         (scale-out ignores CPU), 100 always
     */
    private CpuSaturation(int idlePercentBelow) {
        this.idlePercentBelow = idlePercentBelow;
        this.saturated = idlePercentBelow >= 100;
    }

    /** Samples every {@link #SAMPLE_EVERY_MS} ms on {@code timers} (unless the answer is fixed: 0 or 100). */
    static CpuSaturation sampled(int idlePercentBelow, ScheduledExecutorService timers) {
        CpuSaturation cpu = fedByHand(idlePercentBelow);
        if (idlePercentBelow > 0 && idlePercentBelow < 100 && Files.isReadable(PROC_STAT)) {
            timers.scheduleWithFixedDelay(cpu::sample, 0, SAMPLE_EVERY_MS, TimeUnit.MILLISECONDS);
        }
        return cpu;
    }

    /** One that changes only through {@link #update}: readings given by the caller. */
    static CpuSaturation fedByHand(int idlePercentBelow) {
        return new CpuSaturation(idlePercentBelow);
    }

    boolean saturated() {
        return saturated;
    }

    private void sample() {
        try {
            update(Files.readString(PROC_STAT));
        } catch (IOException | RuntimeException e) {
            if (!readFailed) {
                LOG.warning("reading " + PROC_STAT + " failed; scaling goes on without the CPU signal until it works: " + e);
            }
            readFailed = true;
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
            saturated = idle * 100 < total * idlePercentBelow;
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
