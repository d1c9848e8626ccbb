package dev.aloft.server.sandbox;

import dev.aloft.server.sandbox.SandboxSettings.Isolation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Finds out, once at startup, which protections this host offers and builds the sandbox from them. */
public final class Sandboxes {

    private Sandboxes() {
    }

    /**
     * Probes cgroups, bubblewrap (else unshare) and setpriv by really using them.
     *
     * @throws SandboxException when {@link Isolation#REQUIRED} and a protection is missing, or the
     *                          state dir cannot be created
     */
    public static Sandbox detect(SandboxSettings settings) {
        return detect(settings, Bubblewrap::detect);
    }

    /** As {@link #detect(SandboxSettings)}, with bubblewrap found (or not) by {@code findBubblewrap}. */
    static Sandbox detect(SandboxSettings settings, Function<List<Path>, Detection<Bubblewrap>> findBubblewrap) {
        try {
            Files.createDirectories(settings.stateDir());
        } catch (IOException e) {
            throw new SandboxException("cannot create the sandbox state dir " + settings.stateDir() + ": " + e.getMessage(), e);
        }
        if (settings.isolation() == Isolation.DISABLED) {
            String off = "not enforced (isolation disabled by settings)";
            return new HostSandbox(settings.stateDir(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of(
                    "memory limit: " + off, "process limit: " + off, "filesystem: " + off + "; private TMPDIR only",
                    "user: " + off + "; runs as uid " + currentUid()));
        }
        List<String> protections = new ArrayList<>();
        List<String> missing = new ArrayList<>();

        Detection<Cgroups> cgroups = Cgroups.detect();
        cgroups.found().ifPresentOrElse(c -> protections.addAll(c.protections()), () -> {
            protections.add("memory limit: not enforced (no writable cgroup memory controller: " + cgroups.whyMissing() + ")");
            protections.add("process limit: not enforced (no writable cgroup pids controller)");
            missing.add("cgroup memory limit: " + cgroups.whyMissing());
        });

        List<Path> hidden = outermost(settings.hiddenPaths(), settings.stateDir());
        Detection<Bubblewrap> bubblewrap = findBubblewrap.apply(hidden);
        bubblewrap.found().ifPresentOrElse(
                b -> protections.add("filesystem: " + b.version() + " (read-only code at " + Bubblewrap.TASK_ROOT
                        + ", private size-bounded /tmp, hidden: " + String.join(", ", hidden.stream().map(Path::toString).toList())
                        + "; own pid/ipc/uts namespaces, host network for the Runtime API)"),
                () -> {
                    protections.add("filesystem: not isolated (" + bubblewrap.whyMissing()
                            + "); functions see the host filesystem and, in the data dir, the code and scratch dirs whose"
                            + " paths they know; private TMPDIR only");
                    missing.add("filesystem isolation: " + bubblewrap.whyMissing());
                });
        Optional<PidNamespace> pidNamespace = Optional.empty();
        if (bubblewrap.found().isEmpty()) {
            Detection<PidNamespace> detected = PidNamespace.detect();
            pidNamespace = detected.found();
            pidNamespace.ifPresentOrElse(
                    n -> protections.add("processes: own pid namespace per instance (unshare): functions cannot see each"
                            + " other's processes in /proc"),
                    () -> {
                        protections.add("processes: shared (" + detected.whyMissing() + "); a function can read another's"
                                + " environment, its Runtime API secret among it, in /proc");
                        missing.add("process isolation: " + detected.whyMissing());
                    });
        }

        int uid = currentUid();
        Optional<UserSwitch> userSwitch = Optional.empty();
        if (uid == 0) {
            Detection<UserSwitch> detected = reachableUserSwitch(settings, hidden, bubblewrap.found().isPresent());
            userSwitch = detected.found();
            userSwitch.ifPresentOrElse(
                    u -> protections.add("user: uid " + u.uid() + " gid " + u.gid() + " (setpriv, no new privileges, no capabilities)"),
                    () -> {
                        protections.add("user: root! (" + detected.whyMissing() + ")");
                        missing.add("unprivileged user: " + detected.whyMissing());
                    });
        } else {
            protections.add("user: uid " + uid + " (the server's own; not root, so no switch to "
                    + settings.functionUid() + ")");
        }

        if (settings.isolation() == Isolation.REQUIRED && !missing.isEmpty()) {
            throw new SandboxException("isolation is required but this host lacks: " + String.join("; ", missing)
                    + ". Fix the host (root, writable /sys/fs/cgroup, bubblewrap, setpriv) or set isolation to best-effort.");
        }
        return new HostSandbox(settings.stateDir(), cgroups.found(), bubblewrap.found(), pidNamespace, userSwitch, protections);
    }

    /**
     * The switch to the functions' user, when it works; without bubblewrap that user must also get
     * through the data dir to the code and scratch dirs, or every instance would fail to start.
     */
    private static Detection<UserSwitch> reachableUserSwitch(SandboxSettings settings, List<Path> hidden, boolean bubblewrap) {
        Detection<UserSwitch> detected = UserSwitch.detect(settings.functionUid(), settings.functionGid());
        if (bubblewrap || detected.found().isEmpty()) {
            return detected;
        }
        return DataDirPassage.open(settings.stateDir(), hidden, detected.found().get())
                .<Detection<UserSwitch>>map(why -> Detection.missing(why + "; install bubblewrap, or put the data dir where uid "
                        + settings.functionUid() + " can reach it"))
                .orElse(detected);
    }

    /** Drops paths inside other hidden paths: hiding them again would only leave a telltale mount point. */
    private static List<Path> outermost(List<Path> hiddenPaths, Path stateDir) {
        List<Path> all = new ArrayList<>(hiddenPaths);
        all.add(stateDir);
        return all.stream()
                .filter(path -> all.stream().noneMatch(other -> !other.equals(path) && path.startsWith(other)))
                .distinct()
                .toList();
    }

    private static int currentUid() {
        try {
            // /proc/self is owned by the effective uid of the process reading it.
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new SandboxException("cannot tell which user the server runs as: " + e.getMessage(), e);
        }
    }
}
