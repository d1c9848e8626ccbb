package dev.aloft.server.instances;

import dev.aloft.server.store.Database;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Learned keep-alive histograms round-trip through SQLite; forgotten ones are deleted; bad rows are skipped. */
class KeepAliveStoreTest {

    private static final Duration DEFAULT = Duration.ofMinutes(5);

    @TempDir
    Path dataDir;
    private Database database;
    private KeepAliveStore store;

    @BeforeEach
    void open() {
        database = Database.open(dataDir.resolve("aloft.db"));
        store = new KeepAliveStore(database, InstantSource.fixed(Instant.parse("2026-11-27T08:00:00Z")));
    }

    @AfterEach
    void close() {
        database.close();
    }

    private static KeepAlivePolicy learned(String poolKey, Duration gap, int times) {
        KeepAlivePolicy policy = new KeepAlivePolicy(DEFAULT);
        for (int i = 0; i < times; i++) {
            policy.recordIdle(poolKey, gap);
        }
        return policy;
    }

    @Test
    void aRestartedPolicyHasTheSameWindows() {
        KeepAlivePolicy before = learned("periodic:$LATEST", Duration.ofMinutes(20), 30);
        before.recordIdle("chatty:$LATEST", Duration.ofSeconds(20));
        store.save(before);

        KeepAlivePolicy after = new KeepAlivePolicy(DEFAULT);
        store.loadInto(after);
        assertThat(after.windowFor("periodic:$LATEST")).isEqualTo(before.windowFor("periodic:$LATEST"));
        assertThat(after.windowFor("periodic:$LATEST").prewarms()).isTrue();
        // One sample is stored too, and counts towards the minimum after the restart.
        for (int i = 0; i < KeepAlivePolicy.MIN_SAMPLES - 1; i++) {
            after.recordIdle("chatty:$LATEST", Duration.ofSeconds(20));
        }
        assertThat(after.windowFor("chatty:$LATEST").keepUntil()).isEqualTo(Duration.ofSeconds(66));
    }

    @Test
    void onlyChangesAreWrittenAndForgottenFunctionsAreDeleted() {
        KeepAlivePolicy policy = learned("gone:$LATEST", Duration.ofMinutes(20), 30);
        store.save(policy);
        assertThat(policy.takeChanges().isEmpty()).isTrue();

        policy.forget("gone:$LATEST");
        store.save(policy);
        KeepAlivePolicy after = new KeepAlivePolicy(DEFAULT);
        store.loadInto(after);
        assertThat(after.windowFor("gone:$LATEST").prewarms()).isFalse();
        assertThat(rows()).isZero();
    }

    @Test
    void aMalformedRowIsSkippedAndTheOthersLoad() {
        store.save(learned("good:$LATEST", Duration.ofMinutes(20), 30));
        database.withConnection(c -> c.createStatement().executeUpdate(
                "INSERT INTO idle_histograms (pool_key, bins, out_of_range, updated_at_ms) VALUES ('bad:$LATEST', x'0102', 0, 0)"));

        KeepAlivePolicy after = new KeepAlivePolicy(DEFAULT);
        store.loadInto(after);
        assertThat(after.windowFor("good:$LATEST").prewarms()).isTrue();
        assertThat(after.windowFor("bad:$LATEST")).isEqualTo(new KeepAlivePolicy.IdleWindow(Duration.ZERO, DEFAULT));
    }

    private int rows() {
        return database.withConnection(c -> {
            try (var rs = c.createStatement().executeQuery("SELECT count(*) FROM idle_histograms")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }
}
