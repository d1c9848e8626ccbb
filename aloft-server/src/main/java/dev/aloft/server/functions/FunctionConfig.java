package dev.aloft.server.functions;

import java.time.Instant;
import java.util.Map;

/**
 * A deployed function as stored. {@code revision} grows with every deploy that changes code or
 * configuration, so instances started for an older revision are never reused for a newer one.
 */
public record FunctionConfig(
        String name,
        Runtime runtime,
        String handler,
        int memoryMb,
        int timeoutSeconds,
        Map<String, String> environment,
        int concurrency,
        boolean publicUrl,
        boolean sensitive,
        AsyncConfig async,
        String codeSha256,
        long codeSizeBytes,
        long revision,
        Instant createdAt,
        Instant updatedAt) {

    public FunctionConfig {
        environment = Map.copyOf(environment);
    }

    /** True when {@code other} runs the same code with the same settings (a free redeploy). */
    boolean sameDeploymentAs(FunctionConfig other) {
        return runtime == other.runtime && handler.equals(other.handler) && memoryMb == other.memoryMb
                && timeoutSeconds == other.timeoutSeconds && environment.equals(other.environment)
                && concurrency == other.concurrency && publicUrl == other.publicUrl
                && sensitive == other.sensitive && async.equals(other.async) && codeSha256.equals(other.codeSha256);
    }
}
