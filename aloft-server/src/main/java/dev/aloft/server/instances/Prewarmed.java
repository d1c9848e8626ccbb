package dev.aloft.server.instances;

import dev.aloft.server.functions.CodeStore;
import dev.aloft.server.functions.Runtime;
import dev.aloft.server.runtimeapi.LongPoll;
import dev.aloft.server.runtimeapi.RuntimeApiServer;
import dev.aloft.server.runtimeapi.RuntimeEvent;
import dev.aloft.server.runtimeapi.RuntimeSession;
import dev.aloft.server.sandbox.SandboxedProcess;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A started bootstrap process bound to no function yet (OpenWhisk's "stem cell"). It runs in a
 * sandbox like any instance's, with the memory limit of {@link #memoryMb} and an empty code slot
 * at its task root, and waits on {@code /aloft/bind}. Binding links a function's code into the
 * slot and hands the process its environment; from then on it is that function's instance for
 * good.
 */
final class Prewarmed implements RuntimeSession {

    private final String id;
    private final Runtime runtime;
    private final int memoryMb;
    private final Path slot;
    private final CompletableFuture<Optional<Map<String, String>>> binding = new CompletableFuture<>();
    private final long startedNanos = System.nanoTime();
    private volatile boolean waiting;
    /** From its start until its bootstrap first asked for its function, once {@link #waiting}. */
    private volatile long bootNanos;
    private RuntimeProcess process;

    Prewarmed(String id, Runtime runtime, int memoryMb, Path slot) {
        this.id = id;
        this.runtime = runtime;
        this.memoryMb = memoryMb;
        this.slot = slot;
    }

    /** The started process; ending it also removes the code slot. */
    void attach(SandboxedProcess sandboxed, List<LogPump> pumps, RuntimeApiServer runtimeApi,
                RuntimeApiServer.Registration registration) {
        this.process = new RuntimeProcess(new SlotRemovingProcess(sandboxed, slot), pumps, runtimeApi, registration);
    }

    String id() {
        return id;
    }

    Runtime runtime() {
        return runtime;
    }

    int memoryMb() {
        return memoryMb;
    }

    Path slot() {
        return slot;
    }

    /** The process; destroying it also removes the code slot. */
    RuntimeProcess process() {
        return process;
    }

    /** True once the bootstrap is up and asking for its function: binding it is a cold start's whole cost. */
    boolean waiting() {
        return waiting;
    }

    /** Only once {@link #waiting}. */
    long bootNanos() {
        return bootNanos;
    }

    long ageMs() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    /** Releases the bootstrap into its function; false when it was retired first. */
    boolean bind(Map<String, String> environment) {
        return binding.complete(Optional.of(environment));
    }

    /** Stops an unbound process and forgets its endpoint; its bootstrap, if waiting, is told to exit. */
    void retire() {
        binding.complete(Optional.empty());
        if (process != null) {
            process.release();
        }
    }

    @Override
    public void awaitBinding(LongPoll<Map<String, String>> poll) {
        if (!waiting) {
            bootNanos = System.nanoTime() - startedNanos;
            waiting = true;
        }
        binding.thenAccept(environment -> environment.ifPresentOrElse(poll::answer, poll::retired));
    }

    @Override
    public void next(LongPoll<RuntimeEvent> poll) {
        // A bootstrap asks for events only after its binding; this one skipped it and gets none.
        poll.retired();
    }

    @Override
    public boolean respond(String requestId, byte[] body) {
        return false;
    }

    @Override
    public boolean fail(String requestId, String errorType, byte[] body) {
        return false;
    }

    @Override
    public void initFailed(String errorType, byte[] body) {
        retire();
    }

    @Override
    public String toString() {
        return "prewarmed " + runtime.id() + " process " + id;
    }

    /** The sandboxed process, whose end also removes the code slot linked for it (once). */
    private static final class SlotRemovingProcess implements SandboxedProcess {

        private final SandboxedProcess sandboxed;
        private final Path slot;
        private final AtomicBoolean removed = new AtomicBoolean();

        SlotRemovingProcess(SandboxedProcess sandboxed, Path slot) {
            this.sandboxed = sandboxed;
            this.slot = slot;
        }

        @Override
        public Process process() {
            return sandboxed.process();
        }

        @Override
        public boolean outOfMemory() {
            return sandboxed.outOfMemory();
        }

        @Override
        public void destroy() {
            sandboxed.destroy();
            if (removed.compareAndSet(false, true)) {
                CodeStore.removeSlot(slot);
            }
        }
    }
}
