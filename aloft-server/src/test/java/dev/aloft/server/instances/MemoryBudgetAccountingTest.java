package dev.aloft.server.instances;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The budget's arithmetic: what fits, what reservations keep, what releases give back. */
class MemoryBudgetAccountingTest {

    @Test
    void genericHoldersTakeOnlyUnreservedMemory() {
        MemoryBudget budget = new MemoryBudget(1024);
        budget.reserve("api", 512);

        assertThat(budget.availableMb()).isEqualTo(512);
        assertThat(budget.tryReserve(512)).isTrue();
        assertThat(budget.tryReserve(1)).isFalse();
        assertThat(budget.usedMb()).isEqualTo(512);
        // The reservation is still there for its function.
        assertThat(budget.tryReserve("api", 512)).isTrue();
        assertThat(budget.availableMb()).isZero();
    }

    @Test
    void aFunctionMayTakeItsReservationAndTheUnreservedRestButNotOthersReservations() {
        MemoryBudget budget = new MemoryBudget(1024);
        budget.reserve("api", 256);
        budget.reserve("jobs", 256);

        assertThat(budget.roomFor("api")).isEqualTo(768);
        assertThat(budget.tryReserve("api", 768)).isTrue();
        assertThat(budget.tryReserve("api", 1)).isFalse();
        assertThat(budget.unreservedUseMb("api")).isEqualTo(512);
        assertThat(budget.tryReserve("jobs", 256)).isTrue();
        assertThat(budget.usedMb()).isEqualTo(1024);
    }

    @Test
    void releasesGiveMemoryBackAndTellListeners() {
        MemoryBudget budget = new MemoryBudget(512);
        AtomicInteger released = new AtomicInteger();
        budget.onRelease(released::incrementAndGet);
        assertThat(budget.tryReserve("api", 384)).isTrue();

        budget.release("api", 128);

        assertThat(budget.usedMb("api")).isEqualTo(256);
        assertThat(budget.availableMb()).isEqualTo(256);
        assertThat(released).hasValue(1);
        assertThatThrownBy(() -> budget.release("api", 512)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds 256 MB");
    }

    @Test
    void clearingAReservationLeavesItsMemoryToEveryone() {
        MemoryBudget budget = new MemoryBudget(512);
        budget.reserve("api", 512);
        assertThat(budget.tryReserve(128)).isFalse();

        budget.reserve("api", 0);

        assertThat(budget.tryReserve(128)).isTrue();
        assertThat(budget.unreservedMb()).isEqualTo(512);
    }
}
