package dev.aloft.server.instances;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The tightest CPU quota on the server's cgroup or one of its ancestors (a container's CPU limit,
 * systemd's {@code CPUQuota=}), and where that cgroup's CPU usage is counted. {@code /proc/stat}
 * counts the whole host: a server held to 1.5 cores on an 8-core host is saturated long before the
 * host is. Instances stay in the server's CPU cgroup (v1) or below it (v2, delegated), so the quota
 * and the usage cover them too.
 *
 * @param cores     quota / period
 * @param cgroup    the directory that holds the quota
 * @param usageFile v2: that directory's {@code cpu.stat} ({@code usage_usec}); v1: {@code cpuacct.usage}
 *                  (nanoseconds) of the same cgroup in the cpuacct hierarchy
 */
record CgroupCpuQuota(double cores, Path cgroup, Path usageFile) {

    /** The quota found from a process's {@code /proc/PID/cgroup}, under the cgroupfs at {@code root}. */
    static Optional<CgroupCpuQuota> find(Path root, String procCgroup) {
        List<String[]> lines = procCgroup.lines().map(line -> line.split(":", 3)).filter(f -> f.length == 3).toList();
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            return lines.stream().filter(f -> f[0].equals("0")).findFirst()
                    .flatMap(f -> tightest(root, f[2], CgroupCpuQuota::v2Quota, dir -> dir.resolve("cpu.stat")));
        }
        Path cpuacct = root.resolve("cpuacct");
        return lines.stream().filter(f -> Arrays.asList(f[1].split(",")).contains("cpu")).findFirst()
                .flatMap(f -> tightest(root.resolve("cpu"), f[2], CgroupCpuQuota::v1Quota,
                        dir -> cpuacct.resolve(root.resolve("cpu").relativize(dir).toString()).resolve("cpuacct.usage")));
    }

    /** CPU time the cgroup used so far, in nanoseconds. */
    long usedNanos() throws IOException {
        String usage = Files.readString(usageFile);
        if (!usageFile.getFileName().toString().equals("cpu.stat")) {
            return Long.parseLong(usage.trim());
        }
        return usage.lines().map(line -> line.split(" ")).filter(f -> f.length == 2 && f[0].equals("usage_usec"))
                .mapToLong(f -> Long.parseLong(f[1]) * 1_000).findFirst()
                .orElseThrow(() -> new IOException("no usage_usec in " + usageFile));
    }

    private interface QuotaReader {
        /** The directory's quota in cores, or 0 when it sets none. */
        double cores(Path dir) throws IOException;
    }

    /**
     * Walks from the process's cgroup up to the hierarchy's root and keeps the smallest quota. In a
     * container without a cgroup namespace the path names the host's cgroup, which is not mounted
     * here: the mount's root is then the container's own cgroup.
     */
    private static Optional<CgroupCpuQuota> tightest(Path mount, String path, QuotaReader quota,
                                                     UnaryOperator<Path> usageFileOf) {
        Path dir = mount.resolve(path.replaceFirst("^/+", "")).normalize();
        if (!dir.startsWith(mount) || !Files.isDirectory(dir)) {
            dir = mount;
        }
        CgroupCpuQuota best = null;
        for (; dir != null && dir.startsWith(mount); dir = dir.getParent()) {
            double cores;
            try {
                cores = quota.cores(dir);
            } catch (IOException | RuntimeException e) {
                continue;
            }
            Path usageFile = usageFileOf.apply(dir);
            if (cores > 0 && (best == null || cores < best.cores) && Files.isReadable(usageFile)) {
                best = new CgroupCpuQuota(cores, dir, usageFile);
            }
        }
        return Optional.ofNullable(best);
    }

    /** {@code cpu.max}: "max 100000" (none) or "150000 100000" (1.5 cores). */
    private static double v2Quota(Path dir) throws IOException {
        String[] fields = Files.readString(dir.resolve("cpu.max")).trim().split(" ");
        return fields[0].equals("max") ? 0 : Double.parseDouble(fields[0]) / Double.parseDouble(fields[1]);
    }

    /** {@code cpu.cfs_quota_us} (−1: none) over {@code cpu.cfs_period_us}. */
    private static double v1Quota(Path dir) throws IOException {
        long quota = Long.parseLong(Files.readString(dir.resolve("cpu.cfs_quota_us")).trim());
        long period = Long.parseLong(Files.readString(dir.resolve("cpu.cfs_period_us")).trim());
        return quota <= 0 ? 0 : (double) quota / period;
    }
}
