package dev.aloft.server.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The host's cgroup hierarchy, as far as Aloft uses it: one {@code aloft/<instanceId>} leaf per
 * instance with a memory and a pids limit on the whole process tree.
 */
sealed interface Cgroups permits CgroupV1, CgroupV2 {

    /** Generous for a runtime with worker threads, small enough to stop a fork bomb. */
    int PIDS_MAX = 256;
    Path ROOT = Path.of("/sys/fs/cgroup");

    /** Creates the instance's cgroup with its limits; the process joins it via {@link InstanceCgroup#procsFiles()}. */
    InstanceCgroup create(String instanceId, int memoryMb);

    /** The memory-limit line and the process-limit line of {@link Sandbox#protections()}. */
    List<String> protections();

    static Detection<Cgroups> detect() {
        if (Files.exists(ROOT.resolve("cgroup.controllers"))) {
            return CgroupV2.detect(ROOT);
        }
        if (Files.exists(ROOT.resolve("memory/memory.limit_in_bytes"))) {
            return CgroupV1.detect(ROOT);
        }
        return Detection.missing("no cgroup memory controller mounted at " + ROOT);
    }

    /** An instance's cgroup(s) on the host. */
    interface InstanceCgroup {

        /** Files the launch wrapper writes its own pid to before it execs, so no child escapes the limits. */
        List<Path> procsFiles();

        /** The cgroup directories, one per v1 controller or a single v2 one. */
        List<Path> directories();

        /** True once the kernel OOM-killed a process of the instance, or is about to. */
        boolean outOfMemory();

        /** SIGKILLs every process in the cgroup(s) and removes them. */
        void remove();
    }
}
