package dev.aloft.server.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Log retention: the oldest lines go, in chunks, up to the first line that is not old enough. */
class LogStorePruneTest {

    private static LogLine line(int i, Instant time) {
        return new LogLine(0, "f", "inv-" + i, time, "stdout", "line " + i);
    }

    @Test
    void linesBeforeTheCutoffGoAcrossChunksAndNewerOnesStay(@TempDir Path dir) {
        try (Database database = Database.open(dir.resolve("logs.db"))) {
            LogStore logs = new LogStore(database);
            Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
            List<LogLine> lines = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                lines.add(line(i, t0.plusMillis(i)));
            }
            logs.append(lines);

            assertThat(logs.pruneBefore(t0.plusMillis(4_321))).isEqualTo(4_321);
            List<LogLine> left = logs.read("f", Optional.empty(), 0, 10_000);
            assertThat(left).hasSize(5_000 - 4_321);
            assertThat(left.getFirst().line()).isEqualTo("line 4321");
            assertThat(logs.pruneBefore(t0.plusMillis(4_321))).isZero();
        }
    }
}
