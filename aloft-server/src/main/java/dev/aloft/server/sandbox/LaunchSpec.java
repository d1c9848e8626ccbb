package dev.aloft.server.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the sandbox needs to start one function instance.
 *
 * @param instanceId     unique id of the instance, {@code [a-z0-9-]+}; names its cgroup and tmp dir
 * @param command        argv of the process; paths in it are as seen inside the sandbox (the code
 *                       is at {@link Sandbox#taskRoot(Path)}, runtime files at their host paths)
 * @param environment    the complete environment of the process (nothing is inherited)
 * @param codeDir        host directory with the function's code, shown read-only to the process
 * @param runtimeFiles   host paths the runtime needs (bootstrap scripts, the Java runtime jars),
 *                       shown read-only at the same path
 * @param memoryMb       memory limit of the whole process tree
 * @param tmpSizeMb      size bound of the private writable /tmp
 * @param outputDir      a host directory the process may write to, at the same path (the platform's
 *                       own jobs only, such as a per-function AOT training run; never an instance)
 */
public record LaunchSpec(
        String instanceId,
        List<String> command,
        Map<String, String> environment,
        Path codeDir,
        List<Path> runtimeFiles,
        int memoryMb,
        int tmpSizeMb,
        Optional<Path> outputDir) {

    public LaunchSpec {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        runtimeFiles = List.copyOf(runtimeFiles);
    }

    /** A function instance: it writes only to its private /tmp. */
    public LaunchSpec(String instanceId, List<String> command, Map<String, String> environment, Path codeDir,
                      List<Path> runtimeFiles, int memoryMb, int tmpSizeMb) {
        this(instanceId, command, environment, codeDir, runtimeFiles, memoryMb, tmpSizeMb, Optional.empty());
    }
}
