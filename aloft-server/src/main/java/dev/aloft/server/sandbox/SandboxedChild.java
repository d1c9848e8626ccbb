package dev.aloft.server.sandbox;

import dev.aloft.server.store.FileTrees;

import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** An instance process with the cgroup and scratch dir held for it until {@link #destroy()}. */
final class SandboxedChild implements SandboxedProcess {

    private static final System.Logger LOG = System.getLogger(SandboxedChild.class.getName());

    private final Process process;
    private final Optional<Cgroups.InstanceCgroup> cgroup;
    private final Optional<Path> scratchDir;
    /** Guards destroy and the out-of-memory verdict it keeps, since the cgroup files go with it. */
    private final Object lifecycle = new Object();
    private boolean destroyed;
    private boolean outOfMemoryAtDestroy;

    SandboxedChild(Process process, Optional<Cgroups.InstanceCgroup> cgroup, Optional<Path> scratchDir) {
        this.process = process;
        this.cgroup = cgroup;
        this.scratchDir = scratchDir;
    }

    @Override
    public Process process() {
        return process;
    }

    /** The instance's cgroup, when the host has them; tests check destroy removes it. */
    Optional<Cgroups.InstanceCgroup> cgroup() {
        return cgroup;
    }

    @Override
    public boolean outOfMemory() {
        synchronized (lifecycle) {
            if (destroyed) {
                return outOfMemoryAtDestroy;
            }
            return cgroup.map(Cgroups.InstanceCgroup::outOfMemory).orElse(false);
        }
    }

    private static final Duration EXIT_WAIT = Duration.ofSeconds(2);

    @Override
    public void destroy() {
        synchronized (lifecycle) {
            if (destroyed) {
                return;
            }
            destroyed = true;
            outOfMemoryAtDestroy = cgroup.map(Cgroups.InstanceCgroup::outOfMemory).orElse(false);
            process.destroyForcibly();
            // The cgroup holds the whole tree. Without one, only the descendants we can still find die;
            // under bwrap the rest go with its pid namespace. (Walking /proc costs a millisecond.)
            cgroup.ifPresentOrElse(Cgroups.InstanceCgroup::remove,
                    () -> process.descendants().forEach(ProcessHandle::destroyForcibly));
            scratchDir.ifPresent(SandboxedChild::deleteTree);
            awaitExit();
        }
    }

    /** SIGKILL is not instant: wait (briefly) until the child is reaped, so "destroyed" means gone. */
    private void awaitExit() {
        try {
            process.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes a directory the function wrote to; a failure is logged, not thrown. */
    static void deleteTree(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (UncheckedIOException e) {
            LOG.log(Level.WARNING, "cannot delete scratch dir {0}: {1}", dir, e.getMessage());
        }
    }
}
