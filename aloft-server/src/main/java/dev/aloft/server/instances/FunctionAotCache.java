package dev.aloft.server.instances;

import java.nio.file.Path;

/**
 * A trained per-function AOT cache and the class path its JVMs must have, which the cache records:
 * the runtime's jars, {@code task.jar} (the loose files of the function's code, since the JVM
 * refuses to cache from a non-empty directory) and the function's own jars at the task root.
 *
 * @param directory {@code <data>/aot/<code sha256>-<runtime fingerprint>}, holding the cache and task.jar
 * @param classPath the class path, as seen inside the sandbox
 */
record FunctionAotCache(Path directory, String classPath) {

    static final String CACHE = "function.aot";
    static final String TASK_JAR = "task.jar";

    Path cache() {
        return directory.resolve(CACHE);
    }
}
