package dev.aloft.server.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * cgroup v1: one hierarchy per controller, so an instance has a memory cgroup and a pids cgroup.
 *
 * @param memoryBase {@code /sys/fs/cgroup/memory/aloft}
 * @param pidsBase   {@code /sys/fs/cgroup/pids/aloft}, when that controller is mounted and writable
 * @param noSwap     whether memory.memsw.* exists (swap accounting), so swap can be forbidden too
 */
record CgroupV1(Path memoryBase, Optional<Path> pidsBase, boolean noSwap) implements Cgroups {

    static Detection<Cgroups> detect(Path root) {
        Path memoryBase = root.resolve("memory/aloft");
        boolean noSwap = Files.exists(root.resolve("memory/memory.memsw.limit_in_bytes"));
        var memoryOnly = new CgroupV1(memoryBase, Optional.empty(), noSwap);
        Optional<String> memoryProblem = probe(memoryOnly);
        if (memoryProblem.isPresent()) {
            return Detection.missing(memoryProblem.get());
        }
        Path pidsBase = root.resolve("pids/aloft");
        var withPids = new CgroupV1(memoryBase, Optional.of(pidsBase), noSwap);
        return Detection.of(Files.isDirectory(pidsBase.getParent()) && probe(withPids).isEmpty() ? withPids : memoryOnly);
    }

    /** Creates and removes a throw-away instance cgroup: empty when that works, else why not. */
    private static Optional<String> probe(CgroupV1 cgroups) {
        try {
            cgroups.create("probe-" + ProcessHandle.current().pid(), 16).remove();
            return Optional.empty();
        } catch (SandboxException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public InstanceCgroup create(String instanceId, int memoryMb) {
        long limitBytes = memoryMb * 1024L * 1024;
        var instance = new Instance(memoryBase.resolve(instanceId), pidsBase.map(base -> base.resolve(instanceId)));
        try {
            CgroupFiles.createDirectory(instance.memory());
            CgroupFiles.write(instance.memory().resolve("memory.limit_in_bytes"), Long.toString(limitBytes));
            if (noSwap) {
                CgroupFiles.write(instance.memory().resolve("memory.memsw.limit_in_bytes"), Long.toString(limitBytes));
            }
            if (instance.pids().isPresent()) {
                CgroupFiles.createDirectory(instance.pids().get());
                CgroupFiles.write(instance.pids().get().resolve("pids.max"), Integer.toString(PIDS_MAX));
            }
            return instance;
        } catch (SandboxException e) {
            instance.remove();
            throw e;
        }
    }

    @Override
    public List<String> protections() {
        return List.of(
                "memory limit: cgroup v1 (memory.limit_in_bytes" + (noSwap ? " = memory.memsw.limit_in_bytes, no swap" : "")
                        + ") under " + memoryBase,
                pidsBase.map(base -> "process limit: cgroup v1 pids.max=" + PIDS_MAX + " under " + base)
                        .orElse("process limit: not enforced (no writable cgroup v1 pids controller)"));
    }

    private record Instance(Path memory, Optional<Path> pids) implements InstanceCgroup {

        @Override
        public List<Path> procsFiles() {
            return directories().stream().map(dir -> dir.resolve("cgroup.procs")).toList();
        }

        @Override
        public List<Path> directories() {
            List<Path> dirs = new ArrayList<>(List.of(memory));
            pids.ifPresent(dirs::add);
            return dirs;
        }

        @Override
        public boolean outOfMemory() {
            // memory.failcnt also counts limit hits that reclaim resolved, so it would cry wolf.
            Path oomControl = memory.resolve("memory.oom_control");
            return CgroupFiles.keyedValue(oomControl, "oom_kill").orElse(0) > 0
                    || CgroupFiles.keyedValue(oomControl, "under_oom").orElse(0) > 0;
        }

        @Override
        public void remove() {
            directories().forEach(CgroupFiles::killAndRemove);
        }
    }
}
