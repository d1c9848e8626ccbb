package dev.aloft.server.sandbox;

import java.nio.file.Path;
import java.util.List;

/**
 * Starts function instances as isolated child processes, with whatever protections this host
 * offers (cgroup memory/pids limits, a private mount namespace with read-only code and a private
 * bounded /tmp, an unprivileged user). What it cannot enforce it says in {@link #protections()}.
 */
public interface Sandbox {

    /** Where the function's code appears inside the sandbox (LAMBDA_TASK_ROOT), e.g. /var/task. */
    String taskRoot(Path codeDir);

    /** Starts the process; its stdout and stderr are pipes the caller reads. */
    SandboxedProcess launch(LaunchSpec spec);

    /** One line per protection, active or not, for the startup report (e.g. "memory limit: cgroup v1"). */
    List<String> protections();
}
