package dev.aloft.server.instances;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CpuSaturationTest {

    /** A /proc/stat with the given cumulative user, system, idle, iowait and steal jiffies. */
    private static String procStat(long user, long system, long idle, long iowait, long steal) {
        return "cpu  " + user + " 0 " + system + " " + idle + " " + iowait + " 0 0 " + steal + " 0 0\n"
                + "cpu0 1 2 3 4 5 6 7 8 9 10\nintr 12345\nctxt 999\n";
    }

    @Test
    void idleBelowTheThresholdSinceTheLastReadingIsSaturated() {
        CpuSaturation cpu = CpuSaturation.fedByHand(10, Optional::empty);
        cpu.update(procStat(1_000, 500, 10_000, 100, 0));
        // 200 jiffies: 150 user, 30 system, 10 idle, 2 iowait, 8 stolen by the hypervisor: 6% idle.
        cpu.update(procStat(1_150, 530, 10_010, 102, 8));
        assertThat(cpu.saturated()).isTrue();
        // Next 200: half idle.
        cpu.update(procStat(1_200, 580, 10_110, 102, 8));
        assertThat(cpu.saturated()).isFalse();
    }

    @Test
    void aQuotaUsedUpSaturatesAnIdleHostAndEitherIsEnough() {
        CpuSaturation cpu = CpuSaturation.fedByHand(10, Optional::empty);
        cpu.update(procStat(1_000, 500, 10_000, 0, 0));
        cpu.update(procStat(1_050, 550, 10_100, 0, 0));
        long second = 1_000_000_000L;
        cpu.updateQuota(1.5, 7 * second, 100 * second);
        // 1.45 of the 1.5 cores the cgroup may use, over one second: 3% of the quota left.
        cpu.updateQuota(1.5, 7 * second + 1_450_000_000L, 101 * second);
        assertThat(cpu.saturated()).isTrue();
        cpu.updateQuota(1.5, 9 * second, 102 * second);
        assertThat(cpu.saturated()).as("0.55 of 1.5 cores used").isFalse();
        cpu.update(procStat(1_140, 560, 10_105, 0, 0));
        assertThat(cpu.saturated()).as("the host at 5% idle").isTrue();
    }

    @Test
    void aQuotaWhoseUsageCannotBeReadIsSaidOnceAndCountsAsNotSaturated(@TempDir Path cgroup) {
        CgroupCpuQuota vanished = new CgroupCpuQuota(0.5, cgroup, cgroup.resolve("cpuacct.usage"));
        List<LogRecord> warnings = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel() == Level.WARNING) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(CpuSaturation.class.getName());
        logger.addHandler(handler);
        try {
            CpuSaturation cpu = CpuSaturation.fedByHand(99, () -> Optional.of(vanished));
            for (int i = 0; i < 5; i++) {
                cpu.sample();
            }
            assertThat(cpu.saturated()).isFalse();
            assertThat(warnings).singleElement().extracting(LogRecord::getMessage).asString()
                    .contains(cgroup.resolve("cpuacct.usage").toString());
        } finally {
            logger.removeHandler(handler);
        }
    }

    @Test
    void zeroNeverAndHundredAlwaysCountAsSaturated() throws Exception {
        CpuSaturation never = CpuSaturation.fedByHand(0, Optional::empty);
        never.update(procStat(0, 0, 0, 0, 0));
        never.update(procStat(1_000, 0, 0, 0, 0));
        assertThat(never.saturated()).isFalse();
        try (ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor()) {
            assertThat(CpuSaturation.sampled(100, Optional::empty, timers).saturated()).isTrue();
            assertThat(CpuSaturation.sampled(0, Optional::empty, timers).saturated()).isFalse();
        }
    }

    @Test
    void theRealProcStatParses() throws Exception {
        long[] idleAndTotal = CpuSaturation.idleAndTotal(Files.readString(CpuSaturation.PROC_STAT));
        assertThat(idleAndTotal[0]).isPositive();
        assertThat(idleAndTotal[1]).isGreaterThan(idleAndTotal[0]);
    }

    @Test
    void aProcStatWithoutTheCpuLineIsRefused() {
        assertThatThrownBy(() -> CpuSaturation.idleAndTotal("intr 1\nctxt 2\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no 'cpu' line");
    }
}
