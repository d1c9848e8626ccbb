package dev.aloft.server.instances;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The scale-out decision on saturated cores: start only while one more instance adds throughput. */
class WaitOrStartTest {

    private static final long MS = 1_000_000;
    /** A start would boot a process, and the node knows nothing of boots but the pool's own. */
    private static final WaitOrStart.NextStart BOOT = new WaitOrStart.NextStart(false, -1);

    private final AtomicBoolean saturated = new AtomicBoolean(true);
    /** Since when no start of the pool has been under way; MAX_VALUE while one is. */
    private long startsQuietSince = Long.MIN_VALUE;
    private WaitOrStart<String> decision = onCores(1);
    private long clock = 1_000 * MS;

    private WaitOrStart<String> onCores(int cores) {
        return new WaitOrStart<>(saturated::get, () -> startsQuietSince, cores);
    }

    /**
     * {@code busy} instances serve a backlog: one comes back every {@code nanosBetween} and a
     * waiting caller takes it at once, {@code releases} times.
     */
    private void serveBacklog(int busy, long nanosBetween, int releases) {
        busyNow(busy);
        for (int i = 0; i < releases + busy; i++) {
            String instance = "instance-" + (1 + i % busy);
            clock += nanosBetween;
            // The last round: the backlog is served, each comes back once more and nobody waits.
            boolean callerWaiting = i < releases;
            decision.released(instance, clock, callerWaiting);
            if (callerWaiting) {
                decision.leased(instance, clock, true);
            }
        }
    }

    /** One start of {@code startNanos} ({@code bound}: a bind), then 1 ms calls; one of them runs now. */
    private void oneBusyAfterQuickCalls(WaitOrStart<String> pool, long startNanos, boolean bound) {
        pool.started(startNanos, bound);
        for (int i = 0; i < 10; i++) {
            pool.leased("instance-1", clock, false);
            clock += MS;
            pool.released("instance-1", clock, false);
        }
        pool.leased("instance-1", clock, false);
    }

    /** Leaves {@code busy} instances busy from now on. */
    private void busyNow(int busy) {
        for (int i = 1; i <= busy; i++) {
            decision.leased("instance-" + i, clock, false);
        }
    }

    /**
     * A CPU-bound function on 2 free cores: the second instance doubles the rate, a third hides the
     * hand-overs a little, a fourth only crowds the cores.
     */
    private void learnCpuBoundOnTwoCores() {
        // Most first: a round at n also samples each count below it once, as the instances are leased one by one.
        serveBacklog(4, 4_500_000, 40);
        serveBacklog(3, 4 * MS, 40);
        serveBacklog(2, 5 * MS, 40);
        serveBacklog(1, 10 * MS, 40);
    }

    @Test
    void onSaturatedCoresACpuBoundFunctionStopsAtTheInstancesThatAddThroughput() {
        learnCpuBoundOnTwoCores();
        busyNow(1);
        assertThat(decision.cpuHoldNanos(0, 0, 1, clock)).as("the second instance doubled throughput").isZero();
        // From one to three: one and a half instances' worth in two steps.
        busyNow(2);
        assertThat(decision.cpuHoldNanos(0, 0, 2, clock)).isZero();
        // The fourth would leave it at 1.2 instances' worth in three steps: callers wait for a busy one.
        busyNow(3);
        long hold = decision.cpuHoldNanos(3, 0, 3, clock);
        assertThat(hold).isPositive();
        // One starting already counts as busy: with 2 busy and 1 starting, the next is the fourth too.
        decision.released("instance-3", clock, false);
        assertThat(decision.cpuHoldNanos(0, 1, 3, clock)).isPositive();
        assertThat(decision.beyondUsefulCount(4, clock)).isTrue();
        assertThat(decision.beyondUsefulCount(3, clock)).isFalse();
    }

    @Test
    void aStandingQueueOfQuickCallsStartsInstancesUpToTheCoreCountThenWaits() {
        WaitOrStart<String> onTwoCores = onCores(2);
        oneBusyAfterQuickCalls(onTwoCores, 20 * MS, false);

        assertThat(onTwoCores.waitNanos(0, 0, 0, clock, BOOT)).as("alone behind a 1 ms call: wait").isPositive();
        assertThat(onTwoCores.waitNanos(1, 0, 0, clock, BOOT)).as("behind another waiting caller: start a second").isZero();
        assertThat(onTwoCores.waitNanos(1, 1, 0, clock, BOOT)).as("the second is starting already: wait").isPositive();
        onTwoCores.leased("instance-2", clock, false);
        assertThat(onTwoCores.waitNanos(5, 0, 0, clock, BOOT)).as("as many busy as cores: a queue waits").isPositive();
    }

    @Test
    void beforeAnyCallCameBackCallersWaitForTheFirstStartThenForTheFirstCall() {
        WaitOrStart<String> onTwoCores = onCores(2);
        assertThat(onTwoCores.waitNanos(5, 0, 0, clock, BOOT)).as("nothing under way: start").isZero();
        assertThat(onTwoCores.waitNanos(5, 1, 0, clock, BOOT)).as("the first start is under way: wait for it").isPositive();

        onTwoCores.started(20 * MS, false);
        onTwoCores.leased("instance-1", clock, false);
        clock += 5 * MS;
        assertThat(onTwoCores.waitNanos(5, 0, 25 * MS, clock, BOOT)).as("the first call has run 5 ms of a 20 ms start")
                .isBetween(15 * MS, 16 * MS);
        clock += 16 * MS;
        assertThat(onTwoCores.waitNanos(5, 0, 41 * MS, clock, BOOT)).as("it has run longer than a start: a slow function scales out")
                .isZero();
    }

    @Test
    void waitingForTheFirstCallDoesNotCountAgainstACallersOneStart() {
        decision.started(20 * MS, false);
        decision.leased("instance-1", clock, false);
        clock += MS;
        decision.released("instance-1", clock, true);
        decision.leased("instance-1", clock, true);
        assertThat(decision.waitNanos(0, 0, 21 * MS, clock, BOOT)).as("waited 21 ms, all of it before any call came back")
                .isPositive();
        clock += 20 * MS;
        assertThat(decision.waitNanos(0, 0, 41 * MS, clock, BOOT)).as("20 ms since: one start's time").isZero();
    }

    @Test
    void instancesStartingCountAsFreeingUp() {
        oneBusyAfterQuickCalls(decision, 20 * MS, false);
        assertThat(decision.waitNanos(29, 0, 0, clock, BOOT)).as("30 ms of calls ahead on one instance: start").isZero();
        assertThat(decision.waitNanos(29, 1, 0, clock, BOOT)).as("one more is starting: 15 ms on two").isPositive();
    }

    @Test
    void anInstanceStartingForAnotherCallerDoesNotCountWhenCallsOutlastAStart() {
        decision.started(200 * MS, false);
        decision.leased("instance-1", clock, false);
        clock += 300 * MS;
        decision.released("instance-1", clock, false);
        decision.leased("instance-1", clock, false);
        // Ready in up to 200 ms, it then runs its own caller's 300 ms call first.
        assertThat(decision.waitNanos(0, 1, 0, clock, BOOT)).as("a 300 ms call ahead, a start takes 200 ms").isZero();
    }

    @Test
    void aStartIsWeighedAsTheBindOrTheBootItWouldBe() {
        oneBusyAfterQuickCalls(decision, 20 * MS, true);
        // 30 ms of calls ahead on the one busy instance.
        assertThat(decision.waitNanos(29, 0, 0, clock, new WaitOrStart.NextStart(true, -1)))
                .as("a prewarmed process waits: binding it (20 ms) is sooner").isZero();
        assertThat(decision.waitNanos(29, 0, 0, clock, new WaitOrStart.NextStart(false, 300 * MS)))
                .as("none waits: a boot is the node's 300 ms and the handler's load").isPositive();
        assertThat(decision.waitNanos(29, 0, 0, clock, BOOT)).as("no boot known anywhere: the bind is all there is").isZero();
        decision.started(200 * MS, false);
        assertThat(decision.waitNanos(29, 0, 0, clock, BOOT)).as("the pool's own boot").isPositive();
        assertThat(decision.waitNanos(29, 0, 0, clock, new WaitOrStart.NextStart(true, 300 * MS))).isZero();
    }

    @Test
    void anIoBoundFunctionScalesOutOnSaturatedCores() {
        // Each instance serves one caller per 100 ms, however many there are.
        for (int busy = 1; busy <= 4; busy++) {
            serveBacklog(busy, 100 * MS / busy, 40);
        }
        busyNow(3);
        assertThat(decision.cpuHoldNanos(5, 0, 3, clock)).isZero();
        assertThat(decision.beyondUsefulCount(4, clock)).isFalse();
    }

    @Test
    void aSmallGainStillPaysButNoGainDoesNot() {
        // The second instance adds two thirds of one's worth (the first wasted time between callers).
        serveBacklog(1, 3 * MS, 40);
        serveBacklog(2, 1_800_000, 40);
        busyNow(1);
        assertThat(decision.cpuHoldNanos(0, 0, 1, clock)).isZero();
        busyNow(2);
        // Without a measured third step the last one decides: it paid, so the third is tried.
        assertThat(decision.cpuHoldNanos(0, 0, 2, clock)).isZero();
        // A third that adds nothing: from one to three, a third of an instance's worth per step.
        serveBacklog(3, 1_800_000, 40);
        busyNow(2);
        assertThat(decision.cpuHoldNanos(0, 0, 2, clock)).isPositive();
    }

    @Test
    void withoutAKnownNextStepTheLastStepDecides() {
        // One core's worth: a second instance served no more callers, so a third is not tried.
        serveBacklog(1, 10 * MS, 40);
        serveBacklog(2, 10 * MS, 40);
        busyNow(2);
        assertThat(decision.cpuHoldNanos(0, 0, 2, clock)).isPositive();
    }

    /**
     * One caller at a time (an invocation takes 10 ms, nobody waits), then 7 instances at once on 2
     * cores: twice the one-instance rate, for seven times the processes. The counts between are
     * sampled once each, as the 7 are leased one by one: not enough to be trusted.
     */
    private void oneAtATimeThenABurstOfSeven() {
        for (int i = 0; i < 20; i++) {
            decision.leased("instance-1", clock, false);
            clock += 10 * MS;
            decision.released("instance-1", clock, false);
        }
        serveBacklog(7, 5 * MS, 80);
    }

    @Test
    void aBurstThatOutgrewTheMeasuredCountsIsWalkedBackDown() {
        oneAtATimeThenABurstOfSeven();
        assertThat(decision.beyondUsefulCount(7, clock)).isTrue();
        assertThat(decision.beyondUsefulCount(8, clock)).as("more than were ever busy together: no better than 7").isTrue();
        busyNow(7);
        assertThat(decision.cpuHoldNanos(0, 0, 7, clock)).isPositive();
    }

    @Test
    void aStartThatThePoolWouldStopAgainIsHeldThoughTheStepsBetweenAreUnmeasured() {
        oneAtATimeThenABurstOfSeven();
        assertThat(decision.beyondUsefulCount(7, clock)).isTrue();
        // One of the 7 came back and stopped: 6 live, 5 of them busy. A seventh would stop again
        // when it came back, and while it started the counts between could not be measured.
        busyNow(5);
        assertThat(decision.cpuHoldNanos(0, 0, 6, clock)).isPositive();
        // At 5 live the sixth is unmeasured and nothing says it would be stopped: it starts.
        decision.released("instance-5", clock, false);
        assertThat(decision.cpuHoldNanos(0, 0, 5, clock)).isZero();
    }

    @Test
    void cyclesStretchedByThePoolsOwnStartsAreNotSamples() {
        // One instance at 10 ms a cycle, then a burst: while its other instances boot on the same
        // cores, the one instance's cycles stretch to 40 ms. Counted, they would make one instance
        // look four times slower than it is, and seven (at 5 ms a release) look worth their processes.
        serveBacklog(1, 10 * MS, 40);
        startsQuietSince = Long.MAX_VALUE;
        serveBacklog(1, 40 * MS, 10);
        startsQuietSince = clock;
        serveBacklog(7, 5 * MS, 80);
        assertThat(decision.beyondUsefulCount(7, clock)).isTrue();
    }

    @Test
    void aPoolIsNeverHeldBelowTheCoreCount() {
        decision = onCores(2);
        // A second instance served no more callers than one, yet two cores can run two at once.
        serveBacklog(1, 10 * MS, 40);
        serveBacklog(2, 10 * MS, 40);
        busyNow(1);
        assertThat(decision.cpuHoldNanos(0, 0, 1, clock)).isZero();
        assertThat(decision.beyondUsefulCount(2, clock)).isFalse();
        busyNow(2);
        assertThat(decision.cpuHoldNanos(0, 0, 2, clock)).as("the third would be beyond the cores").isPositive();
    }

    @Test
    void coresWithIdleTimeLetEveryFunctionScaleOut() {
        learnCpuBoundOnTwoCores();
        saturated.set(false);
        busyNow(3);
        assertThat(decision.cpuHoldNanos(0, 0, 3, clock)).isZero();
        assertThat(decision.beyondUsefulCount(4, clock)).isFalse();
    }

    @Test
    void tooFewSamplesOrOldOnesDoNotHoldAStart() {
        serveBacklog(2, 10 * MS, 3);
        serveBacklog(3, 10 * MS, 3);
        busyNow(2);
        assertThat(decision.cpuHoldNanos(0, 0, 2, clock)).as("too few samples").isZero();

        learnCpuBoundOnTwoCores();
        busyNow(3);
        assertThat(decision.cpuHoldNanos(0, 0, 3, clock)).isPositive();
        clock += WaitOrStart.FORGET_AFTER_NANOS + MS;
        assertThat(decision.cpuHoldNanos(0, 0, 3, clock)).as("what was learned 30 s ago is forgotten").isZero();
        assertThat(decision.beyondUsefulCount(4, clock)).isFalse();
    }
}
