package dev.aloft.server.instances;

import dev.aloft.server.runtimeapi.RuntimeApiServer;
import dev.aloft.server.sandbox.SandboxedProcess;

import java.time.Duration;
import java.util.List;

/**
 * A started runtime process as the server holds it: the sandboxed OS process, the pumps that read
 * its output, and its Runtime API endpoint. A prewarmed process's passes whole to the instance it
 * becomes; whoever holds it when the process ends {@linkplain #release releases} it.
 */
final class RuntimeProcess {

    /**
     * How long an answer may wait for its invocation's output to be read from the pipes. It waits
     * only while bytes are unread, which on an idle node takes microseconds; the bound is for a node
     * so busy that the pump thread is not scheduled (50 ms lost lines under a load average of 5).
     */
    private static final Duration LOG_DRAIN_LIMIT = Duration.ofMillis(250);

    private final SandboxedProcess sandboxed;
    private final List<LogPump> pumps;
    private final RuntimeApiServer runtimeApi;
    private final RuntimeApiServer.Registration registration;

    RuntimeProcess(SandboxedProcess sandboxed, List<LogPump> pumps, RuntimeApiServer runtimeApi,
                   RuntimeApiServer.Registration registration) {
        this.sandboxed = sandboxed;
        this.pumps = pumps;
        this.runtimeApi = runtimeApi;
        this.registration = registration;
    }

    /** The value of the process's {@code AWS_LAMBDA_RUNTIME_API}. */
    String endpoint() {
        return registration.endpoint();
    }

    /** From now on the process's Runtime API calls and its output lines go to {@code instance}. */
    void handTo(Instance instance) {
        runtimeApi.rebind(registration, instance);
        pumps.forEach(pump -> pump.attach(instance));
    }

    /** Runs {@code action} once the process has ended, on whichever thread sees that. */
    void onExit(Runnable action) {
        sandboxed.process().onExit().thenRun(action);
    }

    /** True when the pumps have read everything the process printed so far. */
    boolean outputRead() {
        return LogPump.allDrained(pumps);
    }

    /** Waits, within a bound, until the pumps have read what the process printed so far. */
    void awaitOutputRead() {
        pumps.forEach(pump -> pump.awaitDrained(LOG_DRAIN_LIMIT));
    }

    /** Only once the process has ended. */
    int exitValue() {
        return sandboxed.process().exitValue();
    }

    boolean outOfMemory() {
        return sandboxed.outOfMemory();
    }

    /** Stops the process; its end is what tells its holder (see {@link #onExit}). */
    void destroy() {
        sandboxed.destroy();
    }

    /** Destroys the process and forgets its endpoint, which answers 403 from then on. */
    void release() {
        runtimeApi.unregister(registration);
        sandboxed.destroy();
    }
}
