package dev.aloft.server.invocations;

import dev.aloft.server.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

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

    private static List<String> idsNewestFirst(Database database) {
        return database.withConnection(c -> {
            try (var select = c.prepareStatement("SELECT id FROM invocations ORDER BY received_at_ms DESC, id DESC");
                 var rs = select.executeQuery()) {
                List<String> ids = new ArrayList<>();
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
                return ids;
            }
        });
    }

    @Test
    void theSizeBoundKeepsTheNewestByTimeThenIdAcrossChunksAndWithinTheBoundaryMillisecond(@TempDir Path dir) {
        try (Database database = Database.open(dir.resolve("ledger.db")); InvocationLedger ledger = new InvocationLedger(database)) {
            Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
            // Seven records per millisecond, stored in random order: record i is the i-th oldest.
            List<Integer> order = new ArrayList<>(IntStream.range(0, 5000).boxed().toList());
            Collections.shuffle(order, new Random(7));
            for (int i : order) {
                ledger.record(record("id-%05d".formatted(i), t0.plusMillis(i / 7)));
            }
            // 1235 kept: the boundary millisecond 537 holds records 3759..3765, of which only 3765 stays.
            assertThat(ledger.prune(t0, 1235)).isEqualTo(5000 - 1235);
            assertThat(idsNewestFirst(database))
                    .isEqualTo(IntStream.iterate(4999, i -> i >= 3765, i -> i - 1).mapToObj("id-%05d"::formatted).toList());
            assertThat(ledger.prune(t0, 1235)).isZero();
        }
    }

    @Test
    void otherStoreWorkRunsBetweenThePrunesChunks(@TempDir Path dir) {
        try (Database database = Database.open(dir.resolve("ledger.db")); InvocationLedger ledger = new InvocationLedger(database)) {
            Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
            for (int i = 0; i < 20_000; i++) {
                ledger.record(record("id-%05d".formatted(i), t0.plusMillis(i)));
            }
            assertThat(ledger.find("id-00000")).isPresent(); // flushes the writer
            CompletableFuture<Integer> prune = CompletableFuture.supplyAsync(() -> ledger.prune(t0, 100));
            List<Integer> seen = new ArrayList<>();
            while (!prune.isDone()) {
                seen.add(database.withConnection(c -> {
                    try (var count = c.prepareStatement("SELECT count(*) FROM invocations"); var rs = count.executeQuery()) {
                        rs.next();
                        return rs.getInt(1);
                    }
                }));
            }
            assertThat(prune.join()).isEqualTo(19_900);
            // One delete holding the store would show only 20,000 or 100.
            assertThat(seen).anyMatch(count -> count > 100 && count < 20_000);
        }
    }
}
