package dev.aloft.server.instances;

import java.nio.file.Path;

/**
 * A trained per-function AOT cache and the class path its JVMs must have, which the cache records:
 * the runtime's jars, {@code task.jar} (the loose classes of the function's code, since the JVM
 * refuses to cache from a non-empty directory), the function's own jars, and last the task root
 * itself, for the loose resources (see {@link TaskJar}).
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
