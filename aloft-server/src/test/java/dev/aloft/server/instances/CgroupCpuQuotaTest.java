package dev.aloft.server.instances;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CgroupCpuQuotaTest {

    @TempDir
    Path root;

    private void write(String file, String content) throws Exception {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content);
    }

    /** A cgroup v1 cpu directory with a CFS quota per 100 ms period (-1: none). */
    private void cfsQuota(String dir, long quotaMicros) throws Exception {
        write(dir + "/cpu.cfs_quota_us", quotaMicros + "\n");
        write(dir + "/cpu.cfs_period_us", "100000\n");
    }

    @Test
    void v2TakesTheTightestQuotaOfTheCgroupAndItsAncestors() throws Exception {
        write("cgroup.controllers", "cpu memory pids\n");
        write("system.slice/cpu.max", "150000 100000\n");
        write("system.slice/cpu.stat", "usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n");
        write("system.slice/aloft.service/cpu.max", "max 100000\n");
        write("system.slice/aloft.service/cpu.stat", "usage_usec 99\n");

        CgroupCpuQuota quota = CgroupCpuQuota.find(root, "0::/system.slice/aloft.service\n").orElseThrow();

        assertThat(quota.cores()).isEqualTo(1.5);
        assertThat(quota.cgroup()).isEqualTo(root.resolve("system.slice"));
        assertThat(quota.usedNanos()).isEqualTo(1_234_000);

        write("system.slice/aloft.service/cpu.max", "50000 100000\n");
        assertThat(CgroupCpuQuota.find(root, "0::/system.slice/aloft.service\n").orElseThrow().cores()).isEqualTo(0.5);
    }

    @Test
    void v1ReadsTheCfsQuotaAndTheSameCgroupsCpuacctUsage() throws Exception {
        cfsQuota("cpu/docker/abc", 250_000);
        cfsQuota("cpu", -1);
        write("cpuacct/docker/abc/cpuacct.usage", "987654321\n");
        String procCgroup = "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n";

        CgroupCpuQuota quota = CgroupCpuQuota.find(root, procCgroup).orElseThrow();

        assertThat(quota.cores()).isEqualTo(2.5);
        assertThat(quota.usedNanos()).isEqualTo(987_654_321);
    }

    @Test
    void aContainerWithoutACgroupNamespaceSeesItsOwnCgroupAtTheMountsRoot() throws Exception {
        // /proc/self/cgroup names the host's path, which the container's cgroupfs does not show.
        cfsQuota("cpu", 50_000);
        write("cpuacct/cpuacct.usage", "5\n");

        CgroupCpuQuota quota = CgroupCpuQuota.find(root, "2:cpu:/docker/0123abcd\n1:cpuacct:/docker/0123abcd\n").orElseThrow();

        assertThat(quota.cores()).isEqualTo(0.5);
        assertThat(quota.cgroup()).isEqualTo(root.resolve("cpu"));
    }

    @Test
    void aQuotaChangedWhileTheServerRunsCountsFromTheNextLookUp() throws Exception {
        write("cgroup.controllers", "cpu memory\n");
        write("app/cpu.max", "100000 100000\n");
        write("app/cpu.stat", "usage_usec 0\n");
        CpuSaturation cpu = CpuSaturation.fedByHand(10, () -> CgroupCpuQuota.find(root, "0::/app\n"));
        assertThat(cpu.quotaCores()).hasValue(1.0);

        // docker update --cpus: the sampler looks again every QUOTA_LOOKUP_EVERY_SAMPLES samples.
        write("app/cpu.max", "max 100000\n");
        for (int i = 1; i < CpuSaturation.QUOTA_LOOKUP_EVERY_SAMPLES; i++) {
            cpu.sample();
        }
        assertThat(cpu.quotaCores()).hasValue(1.0);
        cpu.sample();
        assertThat(cpu.quotaCores()).isEmpty();

        write("app/cpu.max", "50000 100000\n");
        cpu.lookUpQuota();
        assertThat(cpu.quotaCores()).hasValue(0.5);
    }

    @Test
    void noQuotaAnywhereIsNone() throws Exception {
        write("cgroup.controllers", "cpu memory\n");
        write("user.slice/cpu.max", "max 100000\n");
        write("user.slice/cpu.stat", "usage_usec 1\n");

        assertThat(CgroupCpuQuota.find(root, "0::/user.slice\n")).isEmpty();
        assertThat(CgroupCpuQuota.find(root, "0::/../../etc\n")).isEmpty();

        // A cpu.max that does not parse sets no quota, and the walk goes on past it.
        write("user.slice/cpu.max", "lots\n");
        assertThat(CgroupCpuQuota.find(root, "0::/user.slice\n")).isEmpty();
        write("user.slice/app/cpu.max", "200000 100000\n");
        write("user.slice/app/cpu.stat", "usage_usec 1\n");
        assertThat(CgroupCpuQuota.find(root, "0::/user.slice/app\n").orElseThrow().cores()).isEqualTo(2.0);
    }

    /** A real cgroup v1 with a 0.2-core quota and a shell spinning in it; the host itself may be idle or busy. */
    @Test
    void aProcessSpinningAtItsRealQuotaIsSaturatedAndIdleItIsNot() throws Exception {
        Path cgroupfs = Path.of("/sys/fs/cgroup");
        Path cpu = cgroupfs.resolve("cpu");
        Path cpuacct = cgroupfs.resolve("cpuacct");
        assumeTrue(!Files.exists(cgroupfs.resolve("cgroup.controllers")) && Files.isWritable(cpu) && Files.isWritable(cpuacct),
                "needs writable cgroup v1 cpu and cpuacct hierarchies");
        String name = "aloft-quota-test-" + ProcessHandle.current().pid();
        Path cpuDir = Files.createDirectories(cpu.resolve(name));
        Path cpuacctDir = Files.createDirectories(cpuacct.resolve(name));
        Process spinner = null;
        try {
            Files.writeString(cpuDir.resolve("cpu.cfs_period_us"), "100000");
            Files.writeString(cpuDir.resolve("cpu.cfs_quota_us"), "20000");
            spinner = new ProcessBuilder("sh", "-c", "echo $$ > " + cpuDir.resolve("cgroup.procs") + " && echo $$ > "
                    + cpuacctDir.resolve("cgroup.procs") + " && while :; do :; done").start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (Files.readString(cpuacctDir.resolve("cgroup.procs")).isBlank() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            CgroupCpuQuota quota = CgroupCpuQuota.find(cgroupfs, Files.readString(Path.of("/proc/" + spinner.pid() + "/cgroup")))
                    .orElseThrow();
            assertThat(quota.cores()).isEqualTo(0.2);
            assertThat(quota.cgroup()).isEqualTo(cpuDir);

            // Saturated below half the quota unused: a spinner starved by a busy host still passes.
            CpuSaturation saturation = CpuSaturation.fedByHand(50, Optional::empty);
            saturation.updateQuota(quota.cores(), quota.usedNanos(), System.nanoTime());
            Thread.sleep(500);
            saturation.updateQuota(quota.cores(), quota.usedNanos(), System.nanoTime());
            assertThat(saturation.saturated()).as("spinning at 0.2 cores of 0.2").isTrue();

            spinner.destroyForcibly().waitFor();
            saturation.updateQuota(quota.cores(), quota.usedNanos(), System.nanoTime());
            Thread.sleep(500);
            saturation.updateQuota(quota.cores(), quota.usedNanos(), System.nanoTime());
            assertThat(saturation.saturated()).as("nothing running in the cgroup").isFalse();
        } finally {
            if (spinner != null) {
                spinner.destroyForcibly().waitFor();
            }
            Files.deleteIfExists(cpuDir);
            Files.deleteIfExists(cpuacctDir);
        }
    }
}
