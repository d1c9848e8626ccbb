package dev.aloft.server.invocations;

import dev.aloft.server.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Retention: records past their age go, and beyond the size bound the oldest go first. */
class InvocationLedgerPruneTest {

    private static InvocationRecord record(String id, Instant received) {
        return new InvocationRecord(id, "f", 1, "$LATEST", Optional.empty(), Trigger.INVOKE, InvocationStatus.SUCCESS, Optional.empty(), Optional.empty(),
                received, Optional.of(received), Optional.of(received), false, false, 0, 0, 1, 1, 128, 1, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), 0, Optional.empty(), 0);
    }

    @Test
    void pruneByAgeThenBySize(@TempDir Path dir) {
        try (Database database = Database.open(dir.resolve("ledger.db")); InvocationLedger ledger = new InvocationLedger(database)) {
            Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
            for (int i = 0; i < 10; i++) {
                ledger.record(record("id-" + i, t0.plusSeconds(i * 3600L)));
            }
            assertThat(ledger.prune(t0.plusSeconds(3 * 3600L), 1000)).isEqualTo(3);
            assertThat(ledger.find("id-2")).isEmpty();
            assertThat(ledger.find("id-3")).isPresent();
            assertThat(ledger.prune(t0, 4)).isEqualTo(3);
            assertThat(ledger.query(new LedgerQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 100))
                    .records()).extracting(InvocationRecord::id).containsExactly("id-9", "id-8", "id-7", "id-6");
        }
    }
}
