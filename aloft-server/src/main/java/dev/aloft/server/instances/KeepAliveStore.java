package dev.aloft.server.instances;

import dev.aloft.server.store.Database;

import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.InstantSource;
import java.util.logging.Logger;

/**
 * Keeps what the {@link KeepAlivePolicy} learned in the store ({@code idle_histograms}), so a
 * restart does not send every function back to the default keep-alive until it has been idle ten
 * more times. Loaded once at start; changes are written by the scheduler's timer and at close.
 */
final class KeepAliveStore {

    private static final Logger LOG = Logger.getLogger(KeepAliveStore.class.getName());

    private final Database database;
    private final InstantSource clock;

    KeepAliveStore(Database database, InstantSource clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Puts every stored histogram back into {@code policy}; a malformed one is skipped and logged. */
    void loadInto(KeepAlivePolicy policy) {
        database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT pool_key, bins, out_of_range FROM idle_histograms");
                 ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    String poolKey = rs.getString(1);
                    try {
                        policy.restore(poolKey, new KeepAlivePolicy.Counts(decode(rs.getBytes(2)), rs.getInt(3)));
                    } catch (IllegalArgumentException e) {
                        LOG.warning("ignoring the stored keep-alive histogram of " + poolKey + ": " + e.getMessage());
                    }
                }
            }
            return null;
        });
    }

    /** Writes what changed in {@code policy} since the last save, in one transaction. */
    void save(KeepAlivePolicy policy) {
        KeepAlivePolicy.Changes changes = policy.takeChanges();
        if (changes.isEmpty()) {
            return;
        }
        long now = clock.millis();
        database.inTransaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO idle_histograms (pool_key, bins, out_of_range, "
                    + "updated_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (pool_key) DO UPDATE SET bins = excluded.bins, "
                    + "out_of_range = excluded.out_of_range, updated_at_ms = excluded.updated_at_ms");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM idle_histograms WHERE pool_key = ?")) {
                for (var entry : changes.changed().entrySet()) {
                    upsert.setString(1, entry.getKey());
                    upsert.setBytes(2, encode(entry.getValue().bins()));
                    upsert.setInt(3, entry.getValue().outOfRange());
                    upsert.setLong(4, now);
                    upsert.addBatch();
                }
                for (String poolKey : changes.forgotten()) {
                    delete.setString(1, poolKey);
                    delete.addBatch();
                }
                upsert.executeBatch();
                delete.executeBatch();
            }
            return null;
        });
    }

    private static byte[] encode(int[] bins) {
        ByteBuffer buffer = ByteBuffer.allocate(bins.length * Integer.BYTES);
        buffer.asIntBuffer().put(bins);
        return buffer.array();
    }

    private static int[] decode(byte[] bytes) {
        if (bytes == null || bytes.length % Integer.BYTES != 0) {
            throw new IllegalArgumentException("bins of " + (bytes == null ? "null" : bytes.length + " bytes") + " are not 32-bit counts");
        }
        int[] bins = new int[bytes.length / Integer.BYTES];
        ByteBuffer.wrap(bytes).asIntBuffer().get(bins);
        return bins;
    }
}
