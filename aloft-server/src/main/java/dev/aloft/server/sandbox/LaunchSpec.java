package dev.aloft.server.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
 */
public record LaunchSpec(
        String instanceId,
        List<String> command,
        Map<String, String> environment,
        Path codeDir,
        List<Path> runtimeFiles,
        int memoryMb,
        int tmpSizeMb) {

    public LaunchSpec {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        runtimeFiles = List.copyOf(runtimeFiles);
    }
}
