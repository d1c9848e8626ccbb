package dev.aloft.server.invocations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL of the async queue and the dead-letter list; every method runs inside a caller's transaction. */
final class AsyncQueue {

    private AsyncQueue() {}

    static void enqueue(Connection c, QueuedEvent event, Instant dueAt) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO async_queue (id, function_name, payload, "
                + "received_at_ms, attempts, next_attempt_at_ms, claimed_until_ms, qualifier) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)")) {
            insert.setString(1, event.id());
            insert.setString(2, event.functionName());
            insert.setBytes(3, event.payload());
            insert.setLong(4, event.receivedAt().toEpochMilli());
            insert.setInt(5, event.attempts());
            insert.setLong(6, dueAt.toEpochMilli());
            insert.setString(7, event.qualifier().orElse(null));
            insert.executeUpdate();
        }
    }

    /** Claims the most overdue event no one holds, until {@code claimUntil}. */
    static Optional<QueuedEvent> claimNext(Connection c, Instant now, Instant claimUntil) throws SQLException {
        try (PreparedStatement claim = c.prepareStatement("UPDATE async_queue SET claimed_until_ms = ? WHERE id = ("
                + "SELECT id FROM async_queue WHERE next_attempt_at_ms <= ? AND (claimed_until_ms IS NULL OR claimed_until_ms < ?) "
                + "ORDER BY next_attempt_at_ms LIMIT 1) RETURNING id, function_name, payload, received_at_ms, attempts, qualifier, "
                + "throttles")) {
            claim.setLong(1, claimUntil.toEpochMilli());
            claim.setLong(2, now.toEpochMilli());
            claim.setLong(3, now.toEpochMilli());
            try (ResultSet rs = claim.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new QueuedEvent(rs.getString(1), rs.getString(2), Optional.ofNullable(rs.getString(6)),
                        rs.getBytes(3), Instant.ofEpochMilli(rs.getLong(4)), rs.getInt(5), rs.getInt(7)));
            }
        }
    }

    /** After an attempt that ran and failed: {@code attempts} ran, and the next is due at {@code dueAt}. */
    static void retryAt(Connection c, String id, int attempts, Instant dueAt) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE async_queue SET attempts = ?, throttles = 0, "
                + "next_attempt_at_ms = ?, claimed_until_ms = NULL WHERE id = ?")) {
            update.setInt(1, attempts);
            update.setLong(2, dueAt.toEpochMilli());
            update.setString(3, id);
            update.executeUpdate();
        }
    }

    /** After a try that found no instance for it: {@code throttles} since it last ran, and the next is due at {@code dueAt}. */
    static void throttledUntil(Connection c, String id, int throttles, Instant dueAt) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE async_queue SET throttles = ?, next_attempt_at_ms = ?, claimed_until_ms = NULL WHERE id = ?")) {
            update.setInt(1, throttles);
            update.setLong(2, dueAt.toEpochMilli());
            update.setString(3, id);
            update.executeUpdate();
        }
    }

    /**
     * Makes {@code functionName}'s throttled event that is due first due now, if it is not yet; false
     * when the function has none waiting.
     */
    static boolean bringForwardThrottled(Connection c, String functionName, Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE async_queue SET next_attempt_at_ms = CASE WHEN "
                + "next_attempt_at_ms > ? THEN ? ELSE next_attempt_at_ms END WHERE id = (SELECT id FROM async_queue "
                + "WHERE function_name = ? AND throttles > 0 AND claimed_until_ms IS NULL ORDER BY next_attempt_at_ms LIMIT 1)")) {
            update.setLong(1, now.toEpochMilli());
            update.setLong(2, now.toEpochMilli());
            update.setString(3, functionName);
            return update.executeUpdate() == 1;
        }
    }

    static void remove(Connection c, String id) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM async_queue WHERE id = ?")) {
            delete.setString(1, id);
            delete.executeUpdate();
        }
    }

    /**
     * Forgets every claim: after a restart no earlier worker is alive to finish what it held, so
     * those events are delivered again (at least once) and their records go back to queued.
     */
    static int releaseAllClaims(Connection c) throws SQLException {
        try (PreparedStatement records = c.prepareStatement("UPDATE invocations SET status = 'queued' WHERE status = 'running' "
                + "AND id IN (SELECT id FROM async_queue)")) {
            records.executeUpdate();
        }
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE async_queue SET claimed_until_ms = NULL WHERE claimed_until_ms IS NOT NULL")) {
            return update.executeUpdate();
        }
    }

    /**
     * Makes every throttled event due by {@code now}: at a restart no delivery is running to bring
     * them forward one by one, and their backoff (up to 5 min) would keep them waiting with the
     * function idle. Those that find its waiting places taken step back again.
     */
    static void throttledDueBy(Connection c, Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE async_queue SET next_attempt_at_ms = ? WHERE throttles > 0 AND next_attempt_at_ms > ?")) {
            update.setLong(1, now.toEpochMilli());
            update.setLong(2, now.toEpochMilli());
            update.executeUpdate();
        }
    }

    static long size(Connection c) throws SQLException {
        try (PreparedStatement count = c.prepareStatement("SELECT COUNT(*) FROM async_queue"); ResultSet rs = count.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The id of an invocation with this idempotency key received at or after {@code since}. */
    static Optional<String> findByIdempotencyKey(Connection c, String functionName, String key, Instant since) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT id FROM invocations WHERE function_name = ? "
                + "AND idempotency_key = ? AND received_at_ms >= ? ORDER BY received_at_ms LIMIT 1")) {
            select.setString(1, functionName);
            select.setString(2, key);
            select.setLong(3, since.toEpochMilli());
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    static void addDeadLetter(Connection c, DeadLetter letter) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO dead_letters (id, function_name, payload, "
                + "condition_name, error_type, error_message, attempts, received_at_ms, failed_at_ms) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            insert.setString(1, letter.id());
            insert.setString(2, letter.functionName());
            insert.setBytes(3, letter.payload());
            insert.setString(4, letter.condition());
            insert.setString(5, letter.errorType().orElse(null));
            insert.setString(6, letter.errorMessage().orElse(null));
            insert.setInt(7, letter.attempts());
            insert.setLong(8, letter.receivedAt().toEpochMilli());
            insert.setLong(9, letter.failedAt().toEpochMilli());
            insert.executeUpdate();
        }
    }

    static List<DeadLetter> deadLetters(Connection c, String functionName, int limit) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT id, function_name, payload, condition_name, error_type, "
                + "error_message, attempts, received_at_ms, failed_at_ms FROM dead_letters WHERE function_name = ? "
                + "ORDER BY failed_at_ms, id LIMIT ?")) {
            select.setString(1, functionName);
            select.setInt(2, limit);
            try (ResultSet rs = select.executeQuery()) {
                List<DeadLetter> letters = new ArrayList<>();
                while (rs.next()) {
                    letters.add(new DeadLetter(rs.getString(1), rs.getString(2), rs.getBytes(3), rs.getString(4),
                            Optional.ofNullable(rs.getString(5)), Optional.ofNullable(rs.getString(6)), rs.getInt(7),
                            Instant.ofEpochMilli(rs.getLong(8)), Instant.ofEpochMilli(rs.getLong(9))));
                }
                return letters;
            }
        }
    }

    static boolean removeDeadLetter(Connection c, String id) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM dead_letters WHERE id = ?")) {
            delete.setString(1, id);
            return delete.executeUpdate() == 1;
        }
    }
}
