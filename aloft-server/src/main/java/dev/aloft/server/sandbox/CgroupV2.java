package dev.aloft.server.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * cgroup v2: one tree; an instance is the leaf {@code <base>/aloft/<instanceId>}. Controllers must
 * be enabled in each ancestor's cgroup.subtree_control, and a cgroup that has them enabled may hold
 * no processes ("no internal processes"), which is why instances are leaves below a bare
 * {@code aloft} node.
 *
 * @param base {@code <parent>/aloft}, where the parent is the root or the server's own (delegated) cgroup
 * @param pids whether the pids controller is enabled for instances
 */
record CgroupV2(Path base, boolean pids) implements Cgroups {

    static Detection<Cgroups> detect(Path root) {
        // The root works for a root-run server; a delegated subtree (systemd Delegate=yes) otherwise.
        Set<Path> parents = new LinkedHashSet<>(List.of(root));
        ownCgroup().ifPresent(own -> parents.add(root.resolve(own)));
        List<String> problems = new ArrayList<>();
        for (Path parent : parents) {
            try {
                boolean pids = enableControllers(parent);
                Path base = parent.resolve("aloft");
                CgroupFiles.createDirectory(base);
                enableControllers(base);
                var cgroups = new CgroupV2(base, pids);
                cgroups.create("probe-" + ProcessHandle.current().pid(), 16).remove();
                return Detection.of(cgroups);
            } catch (SandboxException e) {
                problems.add(e.getMessage());
            }
        }
        return Detection.missing(String.join("; ", problems));
    }

    /** Enables memory (required) and pids (if offered) for the children of dir; returns whether pids is on. */
    private static boolean enableControllers(Path dir) {
        Set<String> available = words(CgroupFiles.read(dir.resolve("cgroup.controllers")));
        if (!available.contains("memory")) {
            throw new SandboxException("the memory controller is not available in " + dir
                    + " (cgroup.controllers: " + String.join(" ", available) + ")");
        }
        Set<String> wanted = new LinkedHashSet<>(List.of("memory"));
        if (available.contains("pids")) {
            wanted.add("pids");
        }
        Path subtreeControl = dir.resolve("cgroup.subtree_control");
        wanted.removeAll(words(CgroupFiles.read(subtreeControl)));
        if (!wanted.isEmpty()) {
            CgroupFiles.write(subtreeControl, String.join(" ", wanted.stream().map(c -> "+" + c).toList()));
        }
        return available.contains("pids");
    }

    private static Set<String> words(String text) {
        return new LinkedHashSet<>(Arrays.asList(text.strip().split("\\s+")));
    }

    /** The server's own cgroup, relative to the root ("0::/system.slice/aloft.service" → that path). */
    private static Optional<String> ownCgroup() {
        try {
            return Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                    .filter(line -> line.startsWith("0::/"))
                    .map(line -> line.substring("0::/".length()))
                    .filter(path -> !path.isEmpty())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public InstanceCgroup create(String instanceId, int memoryMb) {
        var instance = new Instance(base.resolve(instanceId));
        Path dir = instance.dir();
        try {
            CgroupFiles.createDirectory(dir);
            CgroupFiles.write(dir.resolve("memory.max"), Long.toString(memoryMb * 1024L * 1024));
            if (Files.exists(dir.resolve("memory.swap.max"))) {
                CgroupFiles.write(dir.resolve("memory.swap.max"), "0");
            }
            // An instance whose runtime lost a child to the OOM killer is broken; kill it whole.
            if (Files.exists(dir.resolve("memory.oom.group"))) {
                CgroupFiles.write(dir.resolve("memory.oom.group"), "1");
            }
            if (pids) {
                CgroupFiles.write(dir.resolve("pids.max"), Integer.toString(PIDS_MAX));
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
                "memory limit: cgroup v2 (memory.max, memory.swap.max=0) under " + base,
                pids ? "process limit: cgroup v2 pids.max=" + PIDS_MAX + " under " + base
                        : "process limit: not enforced (no cgroup v2 pids controller)");
    }

    private record Instance(Path dir) implements InstanceCgroup {

        @Override
        public List<Path> procsFiles() {
            return List.of(dir.resolve("cgroup.procs"));
        }

        @Override
        public List<Path> directories() {
            return List.of(dir);
        }

        @Override
        public boolean outOfMemory() {
            return CgroupFiles.keyedValue(dir.resolve("memory.events"), "oom_kill").orElse(0) > 0;
        }

        @Override
        public void remove() {
            // cgroup.kill (Linux 5.14+) kills atomically, even processes forking while we read cgroup.procs.
            Path kill = dir.resolve("cgroup.kill");
            if (Files.exists(kill)) {
                try {
                    Files.writeString(kill, "1");
                } catch (IOException e) {
                    // Falls back to killing pid by pid below.
                }
            }
            CgroupFiles.killAndRemove(dir);
        }
    }
}
