package dev.aloft.server.instances;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks callers until they are unparked or their deadline passes, with one platform thread that
 * sleeps until the earliest pending deadline, instead of a timer per park. A virtual thread's
 * timed park sets a timer in the JDK's delay scheduler, and setting it and cancelling it each wake
 * that scheduler's thread: on the warm benchmark, where nearly every call queues for a moment
 * (8 connections, 2 instances), that was ~14% of the server's CPU (bench/HISTORY.md, round 16).
 * The thread first looked every millisecond while any caller was parked: 1,000 wake-ups a second
 * for as long as one call ran, for deadlines (a function's timeout, a queue's bound) seconds away.
 * A deadline may pass up to {@link #LATENESS_NANOS} before its caller is woken, which the waits
 * it serves (those two, and a look again at busy instances) allow for.
 */
final class DeadlineWaker implements AutoCloseable {

    /**
     * How late a caller may wake. The ticker looks at most once per this, and a caller whose
     * deadline comes before the ticker's next look by less than this does not wake it: under load,
     * queued callers look again every few milliseconds, each at its own time, and woke it more
     * often than the old tick did (measured).
     */
    static final long LATENESS_NANOS = 1_000_000;
    /** {@link #wakeAt} while the ticker looks at the deadlines: a caller parking meanwhile wakes it to look again. */
    private static final long SCANNING = Long.MIN_VALUE;
    /** {@link #wakeAt} while nothing is parked: the ticker sleeps until a caller arrives. */
    private static final long IDLE = Long.MAX_VALUE;

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
    /** When the ticker wakes next ({@link System#nanoTime}), or {@link #SCANNING} or {@link #IDLE}. */
    private volatile long wakeAt = SCANNING;
    private final LongAdder scans = new LongAdder();
    private volatile boolean closed;

    DeadlineWaker() {
        ticker = Thread.ofPlatform().name("deadline-waker").daemon().start(this::tick);
    }

    /**
     * Parks the calling thread until it is unparked or interrupted, or {@code nanos} pass (up to
     * {@link #LATENESS_NANOS} later). Like any park it may also return early: callers look again
     * either way. Once closed, it parks on the JDK's timer, so a caller still waiting does not spin.
     */
    void parkNanos(Object blocker, long nanos) {
        if (nanos <= 0) {
            return;
        }
        Parked entry = new Parked(Thread.currentThread(), System.nanoTime() + nanos);
        parked.add(entry);
        // After the add: a ticker that chose its wake-up time without this entry either chose one
        // no later than its deadline or is unparked here to look again; likewise a close either
        // unparks the entry or is seen here.
        if (closed) {
            parked.remove(entry);
            LockSupport.parkNanos(blocker, nanos);
            return;
        }
        long tickerWakesAt = wakeAt;
        if (tickerWakesAt == SCANNING || tickerWakesAt == IDLE || entry.deadline - tickerWakesAt < -LATENESS_NANOS) {
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
            wakeAt = SCANNING;
            scans.increment();
            long now = System.nanoTime();
            boolean pending = false;
            long earliest = 0;
            for (Parked entry : parked) {
                if (now - entry.deadline >= 0) {
                    // It leaves the set once it runs; until then a later look may unpark it again.
                    LockSupport.unpark(entry.thread);
                } else if (!pending || entry.deadline - earliest < 0) {
                    earliest = entry.deadline;
                    pending = true;
                }
            }
            if (pending) {
                // At most once a millisecond: under load the deadlines come thicker than that.
                long sleep = Math.max(earliest - now, LATENESS_NANOS);
                wakeAt = now + sleep;
                LockSupport.parkNanos(this, sleep);
            } else {
                wakeAt = IDLE;
                LockSupport.park(this);
            }
        }
    }

    /** How many times the ticker has looked at the deadlines. */
    long scans() {
        return scans.sum();
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(ticker);
        parked.forEach(entry -> LockSupport.unpark(entry.thread));
    }
}
