package dev.aloft.runtime;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the platform tells the process about its function, through the same environment variables
 * Lambda sets.
 *
 * @param runtimeApi host:port of the Runtime API, possibly followed by a path prefix
 * @param handler    {@code pkg.Class::method} or {@code pkg.Class}
 * @param taskRoot   the directory holding the function's code
 * @param codeOnClassPath true when the platform started the JVM with the function's code on its class
 *                   path ({@code ALOFT_CODE_ON_CLASS_PATH=1}), as it does with a per-function AOT cache
 */
record FunctionSettings(
        String runtimeApi,
        String handler,
        Path taskRoot,
        String functionName,
        String functionVersion,
        int memoryMb,
        String logGroupName,
        String logStreamName,
        boolean codeOnClassPath) {

    /** Lambda's task root, used when the platform does not name one. */
    private static final String DEFAULT_TASK_ROOT = "/var/task";
    private static final int DEFAULT_MEMORY_MB = 128;

    /** Reads the settings; {@code AWS_LAMBDA_RUNTIME_API} must be present, the rest have defaults. */
    static FunctionSettings fromEnvironment(Map<String, String> env) {
        String runtimeApi = env.getOrDefault("AWS_LAMBDA_RUNTIME_API", "");
        if (runtimeApi.isBlank()) {
            throw new RuntimeSetupException("AWS_LAMBDA_RUNTIME_API is not set: this program is started by "
                    + "the Aloft platform (or any Lambda Runtime API server), which sets it to host:port");
        }
        return new FunctionSettings(
                runtimeApi,
                env.getOrDefault("_HANDLER", "").strip(),
                Path.of(env.getOrDefault("LAMBDA_TASK_ROOT", DEFAULT_TASK_ROOT)),
                env.getOrDefault("AWS_LAMBDA_FUNCTION_NAME", ""),
                env.getOrDefault("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
                memoryMb(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")),
                env.getOrDefault("AWS_LAMBDA_LOG_GROUP_NAME", ""),
                env.getOrDefault("AWS_LAMBDA_LOG_STREAM_NAME", ""),
                "1".equals(env.get("ALOFT_CODE_ON_CLASS_PATH")));
    }

    private static int memoryMb(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_MEMORY_MB;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new RuntimeSetupException("AWS_LAMBDA_FUNCTION_MEMORY_SIZE must be a whole number of MB, got '"
                    + value + "'", e);
        }
    }
}
