package dev.aloft.server.invocations;

import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.instances.InstanceScheduler;

import java.util.UUID;

/** Synchronous invocation: the one path every trigger (API, function URL, CLI) goes through. */
public final class Invoker {

    /** Lambda's limit for a synchronous request payload. */
    public static final int MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

    private final FunctionRegistry registry;
    private final InstanceScheduler scheduler;

    public Invoker(FunctionRegistry registry, InstanceScheduler scheduler) {
        this.registry = registry;
        this.scheduler = scheduler;
    }

    /**
     * Runs the function on {@code payload} and waits for its outcome.
     *
     * @throws dev.aloft.server.AloftException 404 for an unknown function, 413 for a payload over
     *                                         the limit, 429 when the function stays at its limit
     */
    public InvocationResult invoke(String functionName, byte[] payload) {
        checkPayloadSize(payload.length);
        var function = registry.get(functionName);
        String invocationId = UUID.randomUUID().toString();
        return new InvocationResult(invocationId, function, scheduler.invoke(function, invocationId, payload));
    }

    public static void checkPayloadSize(long bytes) {
        if (bytes > MAX_PAYLOAD_BYTES) {
            throw new PayloadTooLargeException("request payload is " + bytes + " bytes; the limit for a synchronous "
                    + "invocation is " + MAX_PAYLOAD_BYTES + " bytes (6 MB)");
        }
    }
}
