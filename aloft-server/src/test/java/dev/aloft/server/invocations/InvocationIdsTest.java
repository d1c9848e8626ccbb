package dev.aloft.server.invocations;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class InvocationIdsTest {

    @Test
    void idsAreVersion7UuidsCarryingTheirMillisecond() {
        Instant at = Instant.parse("2026-11-27T10:15:30.123Z");
        UUID id = UUID.fromString(InvocationIds.next(at));
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(at.toEpochMilli());
        assertThat(id.toString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void idsOfOneMillisecondDifferAndLaterOnesSortAfterThem() {
        Instant at = Instant.parse("2026-11-27T10:15:30.123Z");
        List<String> sameMillisecond = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            sameMillisecond.add(InvocationIds.next(at));
        }
        assertThat(new HashSet<>(sameMillisecond)).hasSize(10_000);
        String later = InvocationIds.next(at.plusMillis(1));
        // The ledger's text index orders ids as strings: a later id must sort after every earlier one.
        assertThat(sameMillisecond).allSatisfy(earlier -> assertThat(later).isGreaterThan(earlier));
    }
}
