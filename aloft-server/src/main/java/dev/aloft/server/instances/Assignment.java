package dev.aloft.server.instances;

import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.runtimeapi.RuntimeEvent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * One invocation on its way through a function's pool to an instance, which runs it. The pool
 * hands it to an instance at once (an idle one or a new one), or queues it and hands it over
 * where an instance comes back: on the thread that took the runtime's answer, so the runtime's
 * next {@code /invocation/next} finds it already there.
 *
 * <p>It ends exactly once ({@link #end}): the pool takes the instance back first (and may hand
 * it to the next queued invocation), then the caller gets the outcome. A caller that calls again
 * straight away therefore finds the instance idle, not busy.
 */
final class Assignment {

    private final String requestId;
    private final byte[] payload;
    private final long revision;
    private final BiConsumer<Assignment, InvocationOutcome> whenEnded;
    private final CompletableFuture<InvocationOutcome> outcome = new CompletableFuture<>();
    /** The caller, woken when this ends (asleep in the queue or on the outcome) or to look at the pool again. */
    private final Thread caller = Thread.currentThread();
    /**
     * Set by the pool, under the node lock, before the instance can see this; set again when an
     * instance freed sooner takes this over from one still starting. Volatile: the waiting caller
     * reads it to kill the instance that holds its call.
     */
    private volatile Instance instance;
    private boolean cold;
    private boolean initialising;
    private long handedNanos;
    private boolean handed;

    /** @param whenEnded the pool taking the instance back; runs before the caller sees the outcome */
    Assignment(String requestId, byte[] payload, long revision, BiConsumer<Assignment, InvocationOutcome> whenEnded) {
        this.requestId = requestId;
        this.payload = payload;
        this.revision = revision;
        this.whenEnded = whenEnded;
    }

    String requestId() {
        return requestId;
    }

    byte[] payload() {
        return payload;
    }

    /** The event a runtime of {@code function} gets for this; its deadline is the function's timeout from now. */
    RuntimeEvent event(FunctionConfig function) {
        long now = System.currentTimeMillis();
        // The trace id's random part is the request id's last 24 hex digits (its first 8 are a timestamp).
        return new RuntimeEvent(requestId, now + function.timeoutSeconds() * 1000L,
                "arn:aws:lambda:us-east-1:000000000000:function:" + function.name()
                        + (function.version().equals(FunctionConfig.LATEST) ? "" : ":" + function.version()),
                "Root=1-" + Long.toHexString(now / 1000) + "-" + requestId.replace("-", "").substring(8) + ";Sampled=0",
                payload);
    }

    /** The function revision the caller asked for: only an instance of it may run this. */
    long revision() {
        return revision;
    }

    /**
     * The pool hands this to {@code instance}; true when the instance took it, false when it had
     * exited. {@code cold}: the instance was started for it. Call with the node lock held.
     */
    boolean handTo(Instance instance, boolean cold) {
        this.instance = instance;
        this.cold = cold;
        this.handedNanos = System.nanoTime();
        // A warm instance still initialising (provisioned or started ahead moments ago) makes the caller wait for it.
        this.initialising = !cold && !instance.ready();
        handed = instance.assign(this);
        return handed;
    }

    /** Whether an instance took this. Call with the node lock held. */
    boolean handed() {
        return handed;
    }

    /** Wakes the caller to look at the pool again (a queued call not handed over yet). */
    void wakeCaller() {
        LockSupport.unpark(caller);
    }

    Instance instance() {
        return instance;
    }

    /** The instance was started for this invocation. */
    boolean cold() {
        return cold;
    }

    /** The instance was handed over warm but still initialising: the caller waited for the rest of its init. */
    boolean initialising() {
        return initialising;
    }

    /** When the pool handed this to its instance (System.nanoTime). */
    long handedNanos() {
        return handedNanos;
    }

    /**
     * Ends the invocation, however it ended: the pool takes the instance back, then the caller gets
     * {@code result}. Called once, by the instance, on no lock of its own.
     */
    void end(InvocationOutcome result) {
        whenEnded.accept(this, result);
        outcome.complete(result);
        // It sleeps in the queue or on the outcome (InstanceScheduler.await), or is not asleep yet:
        // then its next park returns at once and it finds the outcome.
        wakeCaller();
    }

    CompletableFuture<InvocationOutcome> outcome() {
        return outcome;
    }
}
