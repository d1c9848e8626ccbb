package dev.aloft.server.instances;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks callers until they are unparked or their deadline passes, with one platform thread that
 * looks at the deadlines every {@link #TICK_NANOS} while any is pending, instead of a timer per
 * park. A virtual thread's timed park sets a timer in the JDK's delay scheduler, and setting it and
 * cancelling it each wake that scheduler's thread: on the warm benchmark, where nearly every call
 * queues for a moment (8 connections, 2 instances), that was ~14% of the server's CPU (bench/README,
 * sixteenth round). A deadline here passes up to a tick late, which the waits it serves (a queue's
 * bound, a look again at busy instances) allow for.
 */
final class DeadlineWaker implements AutoCloseable {

    static final long TICK_NANOS = 1_000_000;

    /** One parked caller; identity matters, two parks of one thread are two entries. */
    private static final class Parked {
        final Thread thread;
        final long deadline;

        Parked(Thread thread, long deadline) {
            this.thread = thread;
            this.deadline = deadline;
        }
    }

    private final Set<Parked> parked = ConcurrentHashMap.newKeySet();
    private final Thread ticker;
    /** The ticker found nothing to watch and parks until a caller arrives. */
    private volatile boolean idle;
    private volatile boolean closed;

    DeadlineWaker() {
        ticker = Thread.ofPlatform().name("deadline-waker").daemon().start(this::tick);
    }

    /**
     * Parks the calling thread until it is unparked or interrupted, or {@code nanos} pass (up to a
     * tick later). Like any park it may also return early: callers look again either way. Once
     * closed, it parks on the JDK's timer, so a caller still waiting does not spin.
     */
    void parkNanos(Object blocker, long nanos) {
        if (nanos <= 0) {
            return;
        }
        Parked entry = new Parked(Thread.currentThread(), System.nanoTime() + nanos);
        parked.add(entry);
        // After the add: a ticker that set idle before it looked has either seen the entry or is
        // unparked here; likewise a close either unparks the entry or is seen here.
        if (closed) {
            parked.remove(entry);
            LockSupport.parkNanos(blocker, nanos);
            return;
        }
        if (idle) {
            LockSupport.unpark(ticker);
        }
        try {
            LockSupport.park(blocker);
        } finally {
            parked.remove(entry);
        }
    }

    private void tick() {
        while (!closed) {
            if (parked.isEmpty()) {
                idle = true;
                if (parked.isEmpty() && !closed) {
                    LockSupport.park(this);
                }
                idle = false;
                continue;
            }
            long now = System.nanoTime();
            for (Parked entry : parked) {
                if (now - entry.deadline >= 0) {
                    LockSupport.unpark(entry.thread);
                }
            }
            LockSupport.parkNanos(this, TICK_NANOS);
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(ticker);
        parked.forEach(entry -> LockSupport.unpark(entry.thread));
    }
}
