package dev.aloft.server.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Stored function log lines, appended in batches and read by cursor. */
public final class LogStore {

    /** Lines deleted per store task when pruning. */
    private static final int PRUNE_CHUNK_ROWS = 1_000;

    private final Database database;

    public LogStore(Database database) {
        this.database = database;
    }

    /** Appends lines in one transaction; their cursors are assigned by the store. */
    public void append(List<LogLine> lines) {
        if (lines.isEmpty()) {
            return;
        }
        database.inTransaction(c -> {
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO log_lines (function_name, invocation_id, time_ms, stream, line) VALUES (?, ?, ?, ?, ?)")) {
                for (LogLine line : lines) {
                    insert.setString(1, line.functionName());
                    insert.setString(2, line.invocationId());
                    insert.setLong(3, line.time().toEpochMilli());
                    insert.setString(4, line.stream());
                    insert.setString(5, line.line());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return null;
        });
    }

    /** Lines of a function after {@code afterCursor}, oldest first, optionally of one invocation. */
    public List<LogLine> read(String functionName, Optional<String> invocationId, long afterCursor, int limit) {
        return database.withConnection(c -> {
            String sql = "SELECT id, function_name, invocation_id, time_ms, stream, line FROM log_lines "
                    + "WHERE function_name = ? AND id > ?" + (invocationId.isPresent() ? " AND invocation_id = ?" : "")
                    + " ORDER BY id LIMIT ?";
            try (PreparedStatement select = c.prepareStatement(sql)) {
                int i = 1;
                select.setString(i++, functionName);
                select.setLong(i++, afterCursor);
                if (invocationId.isPresent()) {
                    select.setString(i++, invocationId.get());
                }
                select.setInt(i, limit);
                try (ResultSet rs = select.executeQuery()) {
                    List<LogLine> lines = new ArrayList<>();
                    while (rs.next()) {
                        lines.add(new LogLine(rs.getLong(1), rs.getString(2), rs.getString(3),
                                Instant.ofEpochMilli(rs.getLong(4)), rs.getString(5), rs.getString(6)));
                    }
                    return lines;
                }
            }
        });
    }

    /**
     * Removes lines older than {@code cutoff}; returns how many. Lines are stamped with the server's
     * clock as they are read and stored in that order, so the oldest by cursor are the oldest by
     * time: each chunk takes the oldest lines up to the first one that is not old enough, and no
     * prune scans the whole table. A line stored after a newer one (two pumps a millisecond
     * apart, or the clock stepped back) waits for that one.
     */
    public int pruneBefore(Instant cutoff) {
        long cutoffMs = cutoff.toEpochMilli();
        return database.deleteInChunks(PRUNE_CHUNK_ROWS, c -> {
            long lastOld = -1;
            int old = 0;
            try (PreparedStatement oldest = c.prepareStatement("SELECT id, time_ms FROM log_lines ORDER BY id LIMIT ?")) {
                oldest.setInt(1, PRUNE_CHUNK_ROWS);
                try (ResultSet rs = oldest.executeQuery()) {
                    while (rs.next() && rs.getLong(2) < cutoffMs) {
                        lastOld = rs.getLong(1);
                        old++;
                    }
                }
            }
            if (old > 0) {
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM log_lines WHERE id <= ?")) {
                    delete.setLong(1, lastOld);
                    delete.executeUpdate();
                }
            }
            return old;
        });
    }

    /** Removes every line of a function (when it is deleted). */
    public void deleteFunction(String functionName) {
        database.withConnection(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM log_lines WHERE function_name = ?")) {
                delete.setString(1, functionName);
                return delete.executeUpdate();
            }
        });
    }
}
