package dev.aloft.server.sandbox;

/** A running instance process and the host resources (cgroup, tmp dir) held for it. */
public interface SandboxedProcess {

    /** The process; stdout and stderr are pipes. */
    Process process();

    /** True when the host's memory limit killed (or is about to kill) the process: out of memory. */
    boolean outOfMemory();

    /** Kills the whole process tree and releases the cgroup and tmp dir. Idempotent. */
    void destroy();
}
