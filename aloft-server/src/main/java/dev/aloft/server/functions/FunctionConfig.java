package dev.aloft.server.functions;

import java.time.Instant;
import java.util.Map;

/**
 * A function as it runs: {@code $LATEST} as deployed, or a published version's snapshot.
 * {@code revision} identifies what instances run: it grows with every deploy that changes
 * $LATEST, and is negative (minus the version number) for published versions, so an instance is
 * never reused for anything but exactly what it was started for.
 */
public record FunctionConfig(
        String name,
        String version,
        Runtime runtime,
        String handler,
        int memoryMb,
        int timeoutSeconds,
        Map<String, String> environment,
        int concurrency,
        int minInstances,
        int reservedConcurrency,
        boolean publicUrl,
        boolean sensitive,
        AsyncConfig async,
        String codeSha256,
        long codeSizeBytes,
        long revision,
        Instant createdAt,
        Instant updatedAt) {

    public static final String LATEST = "$LATEST";

    /** The node memory kept for this function alone: its reserved concurrency times its memory. */
    public long reservedMemoryMb() {
        return (long) reservedConcurrency * memoryMb;
    }

    /**
     * The node memory this function keeps whatever else runs: its provisioned instances' or its
     * reservation, whichever is more (provisioned instances count against the reservation).
     */
    public long guaranteedMemoryMb() {
        return (long) Math.max(minInstances, reservedConcurrency) * memoryMb;
    }

    public FunctionConfig {
        environment = Map.copyOf(environment);
    }

    FunctionConfig withRevision(long newRevision) {
        return new FunctionConfig(name, version, runtime, handler, memoryMb, timeoutSeconds, environment, concurrency,
                minInstances, reservedConcurrency, publicUrl, sensitive, async, codeSha256, codeSizeBytes, newRevision, createdAt, updatedAt);
    }

    /** This configuration as published version {@code number}. */
    FunctionConfig asVersion(int number, Instant publishedAt) {
        return new FunctionConfig(name, Integer.toString(number), runtime, handler, memoryMb, timeoutSeconds, environment,
                concurrency, minInstances, reservedConcurrency, publicUrl, sensitive, async, codeSha256, codeSizeBytes, -number, createdAt, publishedAt);
    }

    /**
     * This version under the concurrency limit {@code latest} has now: the limit caps the function
     * over all its versions, as on Lambda, so a version's snapshot of it does not count.
     */
    FunctionConfig limitedAs(FunctionConfig latest) {
        return concurrency == latest.concurrency ? this : new FunctionConfig(name, version, runtime, handler, memoryMb,
                timeoutSeconds, environment, latest.concurrency, minInstances, reservedConcurrency, publicUrl, sensitive, async,
                codeSha256, codeSizeBytes, revision, createdAt, updatedAt);
    }

    /** True when {@code other} runs the same code with the same settings (a free redeploy). */
    boolean sameDeploymentAs(FunctionConfig other) {
        return sameButScalingAs(other) && concurrency == other.concurrency && minInstances == other.minInstances
                && reservedConcurrency == other.reservedConcurrency;
    }

    /**
     * True when {@code other} differs at most in how far it scales (concurrency, minInstances,
     * reservedConcurrency): its instances run as this one's would, so they can serve it.
     */
    boolean sameButScalingAs(FunctionConfig other) {
        return runtime == other.runtime && handler.equals(other.handler) && memoryMb == other.memoryMb
                && timeoutSeconds == other.timeoutSeconds && environment.equals(other.environment)
                && publicUrl == other.publicUrl && sensitive == other.sensitive && async.equals(other.async)
                && codeSha256.equals(other.codeSha256);
    }
}
