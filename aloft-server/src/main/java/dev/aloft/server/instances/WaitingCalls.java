package dev.aloft.server.instances;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The calls queued for an instance of one pool, first come first served. A queued caller sleeps
 * until it is woken to look at the pool again (an instance started, memory freed, the pool
 * closed), its wait runs out, or its call ends on an instance it was handed meanwhile: a call
 * handed over costs its caller no wake-up before its outcome. Guarded by the node lock.
 */
final class WaitingCalls {

    private final Deque<Assignment> queue = new ArrayDeque<>();
    private final DeadlineWaker waker;

    WaitingCalls(DeadlineWaker waker) {
        this.waker = waker;
    }

    int size() {
        return queue.size();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** How many queued calls came before {@code call}: all of them when it is not queued. */
    int ahead(Assignment call) {
        int ahead = 0;
        for (Assignment queued : queue) {
            if (queued == call) {
                return ahead;
            }
            ahead++;
        }
        return ahead;
    }

    boolean contains(Assignment call) {
        return queue.contains(call);
    }

    /** The first queued call that an instance of {@code revision} may run. */
    Optional<Assignment> firstFor(long revision) {
        for (Assignment queued : queue) {
            if (queued.revision() == revision) {
                return Optional.of(queued);
            }
        }
        return Optional.empty();
    }

    void remove(Assignment call) {
        queue.remove(call);
    }

    /** Wakes the first queued caller to look again (an instance came back that it may take, or stopped). */
    void wakeFirst() {
        Assignment first = queue.peekFirst();
        if (first != null) {
            first.wakeCaller();
        }
    }

    void wakeAll() {
        queue.forEach(Assignment::wakeCaller);
    }

    /**
     * Queues {@code call} (if it is not yet) and sleeps, with {@code nodeLock} released, until
     * woken or {@code nanos} pass. Call with the node lock held once; it is held again on return.
     * A wake-up may come early: the caller looks at the pool again either way.
     *
     * @throws InterruptedException when interrupted before an instance took the call
     */
    void await(Assignment call, ReentrantLock nodeLock, long nanos) throws InterruptedException {
        if (!queue.contains(call)) {
            queue.addLast(call);
        }
        nodeLock.unlock();
        try {
            waker.parkNanos(this, nanos);
        } finally {
            nodeLock.lock();
        }
        if (Thread.interrupted()) {
            if (call.handed()) {
                // Its instance has it: the caller ends it as a running one (its wait for the outcome throws).
                Thread.currentThread().interrupt();
                return;
            }
            throw new InterruptedException();
        }
    }
}
