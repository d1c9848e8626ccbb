package dev.aloft.server.instances;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Callers parked on the waker come back at their deadline, when unparked, or when it closes. */
class DeadlineWakerTest {

    private final DeadlineWaker waker = new DeadlineWaker();

    @AfterEach
    void close() {
        waker.close();
    }

    /** Parks a new virtual thread for {@code nanos}; completes with how long the park took. */
    private CompletableFuture<Long> park(long nanos, Thread[] parkedThread) {
        CompletableFuture<Long> took = new CompletableFuture<>();
        parkedThread[0] = Thread.ofVirtual().start(() -> {
            long start = System.nanoTime();
            waker.parkNanos(this, nanos);
            took.complete(System.nanoTime() - start);
        });
        return took;
    }

    private static void awaitParked(Thread thread) {
        await().atMost(Duration.ofSeconds(10)).until(() -> thread.getState() == Thread.State.WAITING);
    }

    @Test
    void aParkEndsAtItsDeadlineAndAgainAfterTheWakerWentIdle() throws Exception {
        Thread[] parked = new Thread[1];
        for (int round = 0; round < 3; round++) {
            // Nothing but the ticker ends this park (a fresh virtual thread holds no stray permit).
            long took = park(TimeUnit.MILLISECONDS.toNanos(50), parked).get(10, TimeUnit.SECONDS);
            assertThat(took).as("round %d", round).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
            // Nothing is parked now: a moment for the ticker to go idle (no state to await from
            // outside), so that the next park must wake it.
            Thread.sleep(20);
        }
    }

    @Test
    void anUnparkEndsALongParkAtOnce() throws Exception {
        Thread[] parked = new Thread[1];
        CompletableFuture<Long> took = park(TimeUnit.SECONDS.toNanos(60), parked);
        awaitParked(parked[0]);
        LockSupport.unpark(parked[0]);
        assertThat(took.get(10, TimeUnit.SECONDS)).isLessThan(Duration.ofSeconds(60).toNanos());
    }

    /**
     * The ticker sleeps until the earliest deadline: a far one alone costs it no wake-ups, and a
     * nearer one parked meanwhile still ends on time. It used to look every millisecond.
     */
    @Test
    void aNearerDeadlineEndsOnTimeWhileTheTickerSleepsTowardAFarOne() throws Exception {
        Thread[] far = new Thread[1];
        CompletableFuture<Long> farPark = park(TimeUnit.SECONDS.toNanos(60), far);
        awaitParked(far[0]);
        long scansBefore = waker.scans();
        // A window to count in (the old waker looked ~300 times in it); its look at the new entry may fall inside.
        Thread.sleep(300);
        assertThat(waker.scans() - scansBefore).as("looks at the deadlines in 300 ms with one 60 s away").isLessThanOrEqualTo(2);

        Thread[] near = new Thread[1];
        long took = park(TimeUnit.MILLISECONDS.toNanos(100), near).get(10, TimeUnit.SECONDS);
        assertThat(took).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(farPark).isNotDone();
        LockSupport.unpark(far[0]);
        farPark.get(10, TimeUnit.SECONDS);
    }

    @Test
    void closingWakesEveryParkedCaller() throws Exception {
        Thread[] first = new Thread[1];
        Thread[] second = new Thread[1];
        CompletableFuture<Long> one = park(TimeUnit.SECONDS.toNanos(60), first);
        CompletableFuture<Long> two = park(TimeUnit.SECONDS.toNanos(60), second);
        awaitParked(first[0]);
        awaitParked(second[0]);
        waker.close();
        one.get(10, TimeUnit.SECONDS);
        two.get(10, TimeUnit.SECONDS);
        // A park after the close still ends at its deadline (on the JDK's timer).
        Thread[] late = new Thread[1];
        assertThat(park(TimeUnit.MILLISECONDS.toNanos(50), late).get(10, TimeUnit.SECONDS))
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    }
}
