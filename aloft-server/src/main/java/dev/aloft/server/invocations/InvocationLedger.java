package dev.aloft.server.invocations;

import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The ledger's storage. Records of synchronous invocations are written in batches off the
 * invocation path; readers flush first, so they always see every finished invocation.
 */
public final class InvocationLedger implements AutoCloseable {

    private static final String COLUMNS = "id, function_name, function_revision, function_version, qualifier, trigger_type, status, error_type, "
            + "error_message, received_at_ms, started_at_ms, finished_at_ms, cold, prewarmed, init_ms, queue_ms, duration_ms, "
            + "billed_ms, memory_mb, attempt, idempotency_key, replay_of, instance_id, input, input_bytes, output, output_bytes";

    /** Insert, or replace every column but the id: a record is rewritten as its invocation progresses. */
    private static final String UPSERT = "INSERT INTO invocations (" + COLUMNS + ") VALUES ("
            + Arrays.stream(COLUMNS.split(", ")).map(col -> "?").collect(Collectors.joining(", "))
            + ") ON CONFLICT (id) DO UPDATE SET "
            + Arrays.stream(COLUMNS.split(", ")).skip(1).map(col -> col + " = excluded." + col)
                    .collect(Collectors.joining(", "));

    /** Records deleted per store task when pruning. */
    private static final int PRUNE_CHUNK_ROWS = 500;

    private final Database database;
    private final BatchWriter<InvocationRecord> writer;

    public InvocationLedger(Database database) {
        this.database = database;
        this.writer = new BatchWriter<>("ledger-writer", this::insert);
    }

    /** Records a finished invocation; stored within the writer's flush interval. */
    public void record(InvocationRecord record) {
        writer.append(record);
    }

    public Optional<InvocationRecord> find(String id) {
        writer.flush();
        return database.withConnection(c -> findIn(c, id));
    }

    /** Reads a record inside the caller's transaction. */
    Optional<InvocationRecord> findIn(Connection c, String id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM invocations WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /** A page of records, newest first, and the cursor of the next page if there may be one. */
    public record Page(List<InvocationRecord> records, Optional<String> nextCursor) {}

    public Page query(LedgerQuery query) {
        writer.flush();
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM invocations WHERE 1 = 1");
        List<Object> params = new ArrayList<>();
        query.functionName().ifPresent(name -> {
            sql.append(" AND function_name = ?");
            params.add(name);
        });
        query.status().ifPresent(status -> {
            sql.append(" AND status = ?");
            params.add(status.id());
        });
        query.since().ifPresent(since -> {
            sql.append(" AND received_at_ms >= ?");
            params.add(since.toEpochMilli());
        });
        query.before().map(LedgerQuery.Cursor::parse).ifPresent(cursor -> {
            sql.append(" AND (received_at_ms < ? OR (received_at_ms = ? AND id < ?))");
            params.add(cursor.receivedAtMs());
            params.add(cursor.receivedAtMs());
            params.add(cursor.id());
        });
        sql.append(" ORDER BY received_at_ms DESC, id DESC LIMIT ?");
        params.add(query.limit());
        List<InvocationRecord> records = database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < params.size(); i++) {
                    select.setObject(i + 1, params.get(i));
                }
                try (ResultSet rs = select.executeQuery()) {
                    List<InvocationRecord> page = new ArrayList<>();
                    while (rs.next()) {
                        page.add(read(rs));
                    }
                    return page;
                }
            }
        });
        Optional<String> next = records.size() == query.limit()
                ? Optional.of(LedgerQuery.Cursor.of(records.getLast())) : Optional.empty();
        return new Page(records, next);
    }

    /**
     * Deletes records received before {@code cutoff} and all but the newest {@code keep}; returns
     * how many. Under load a minute adds hundreds of thousands of records, so the oldest go in
     * chunks, each its own store task: other store work (an async accept, a ledger read) waits for
     * one chunk, not for the whole prune. The newest {@code keep} are found by the covering time
     * index, records of the boundary millisecond by id.
     */
    public int prune(Instant cutoff, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, got " + keep);
        }
        writer.flush();
        BoundaryTrim trim = database.withConnection(c -> trimBoundary(c, keep));
        long deleteBeforeMs = Math.max(cutoff.toEpochMilli(), trim.oldestKeptMs());
        return trim.deleted() + database.deleteInChunks(PRUNE_CHUNK_ROWS, c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM invocations WHERE rowid IN "
                    + "(SELECT rowid FROM invocations WHERE received_at_ms < ? ORDER BY received_at_ms LIMIT ?)")) {
                delete.setLong(1, deleteBeforeMs);
                delete.setInt(2, PRUNE_CHUNK_ROWS);
                return delete.executeUpdate();
            }
        });
    }

    /** The millisecond of the oldest record the size bound keeps, and how many of its ties were deleted. */
    private record BoundaryTrim(long oldestKeptMs, int deleted) {}

    /**
     * Finds the millisecond of the {@code keep}-th newest record and, of the records received in
     * it, deletes those that do not fit in {@code keep} (the oldest ids); older milliseconds are
     * left to the chunks.
     */
    private static BoundaryTrim trimBoundary(Connection c, int keep) throws SQLException {
        long boundaryMs;
        try (PreparedStatement select = c.prepareStatement(
                "SELECT received_at_ms FROM invocations ORDER BY received_at_ms DESC LIMIT 1 OFFSET ?")) {
            select.setInt(1, keep - 1);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return new BoundaryTrim(Long.MIN_VALUE, 0); // at most keep records
                }
                boundaryMs = rs.getLong(1);
            }
        }
        int newer;
        try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM invocations WHERE received_at_ms > ?")) {
            count.setLong(1, boundaryMs);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                newer = rs.getInt(1);
            }
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM invocations WHERE received_at_ms = ? AND id NOT IN "
                + "(SELECT id FROM invocations WHERE received_at_ms = ? ORDER BY id DESC LIMIT ?)")) {
            delete.setLong(1, boundaryMs);
            delete.setLong(2, boundaryMs);
            delete.setInt(3, Math.max(0, keep - newer)); // a negative LIMIT would mean no limit
            return new BoundaryTrim(boundaryMs, delete.executeUpdate());
        }
    }

    private void insert(List<InvocationRecord> records) {
        database.inTransaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement(UPSERT)) {
                for (InvocationRecord r : records) {
                    bind(upsert, r);
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            return null;
        });
    }

    /** Writes a record now, inside the caller's transaction (async delivery keeps it in step with its queue). */
    static void upsert(Connection c, InvocationRecord record) throws SQLException {
        try (PreparedStatement upsert = c.prepareStatement(UPSERT)) {
            bind(upsert, record);
            upsert.executeUpdate();
        }
    }

    /** Runs {@code work} in one store transaction. */
    <T> T inTransaction(Database.Work<T> work) {
        return database.inTransaction(work);
    }

    private static void bind(PreparedStatement s, InvocationRecord r) throws SQLException {
        s.setString(1, r.id());
        s.setString(2, r.functionName());
        s.setLong(3, r.functionRevision());
        s.setString(4, r.functionVersion());
        s.setString(5, r.qualifier().orElse(null));
        s.setString(6, r.trigger().id());
        s.setString(7, r.status().id());
        s.setString(8, r.errorType().orElse(null));
        s.setString(9, r.errorMessage().orElse(null));
        s.setLong(10, r.receivedAt().toEpochMilli());
        setInstant(s, 11, r.startedAt());
        setInstant(s, 12, r.finishedAt());
        s.setInt(13, r.cold() ? 1 : 0);
        s.setInt(14, r.prewarmed() ? 1 : 0);
        s.setLong(15, r.initMs());
        s.setLong(16, r.queueMs());
        s.setLong(17, r.durationMs());
        s.setLong(18, r.billedMs());
        s.setInt(19, r.memoryMb());
        s.setInt(20, r.attempt());
        s.setString(21, r.idempotencyKey().orElse(null));
        s.setString(22, r.replayOf().orElse(null));
        s.setString(23, r.instanceId().orElse(null));
        s.setBytes(24, r.input().orElse(null));
        s.setLong(25, r.inputBytes());
        s.setBytes(26, r.output().orElse(null));
        s.setLong(27, r.outputBytes());
    }

    private static void setInstant(PreparedStatement s, int index, Optional<Instant> instant) throws SQLException {
        if (instant.isPresent()) {
            s.setLong(index, instant.get().toEpochMilli());
        } else {
            s.setNull(index, Types.BIGINT);
        }
    }

    private static InvocationRecord read(ResultSet rs) throws SQLException {
        return new InvocationRecord(
                rs.getString("id"),
                rs.getString("function_name"),
                rs.getLong("function_revision"),
                rs.getString("function_version"),
                Optional.ofNullable(rs.getString("qualifier")),
                Trigger.fromId(rs.getString("trigger_type")),
                InvocationStatus.fromId(rs.getString("status")),
                Optional.ofNullable(rs.getString("error_type")),
                Optional.ofNullable(rs.getString("error_message")),
                Instant.ofEpochMilli(rs.getLong("received_at_ms")),
                instant(rs, "started_at_ms"),
                instant(rs, "finished_at_ms"),
                rs.getInt("cold") == 1,
                rs.getInt("prewarmed") == 1,
                rs.getLong("init_ms"),
                rs.getLong("queue_ms"),
                rs.getLong("duration_ms"),
                rs.getLong("billed_ms"),
                rs.getInt("memory_mb"),
                rs.getInt("attempt"),
                Optional.ofNullable(rs.getString("idempotency_key")),
                Optional.ofNullable(rs.getString("replay_of")),
                Optional.ofNullable(rs.getString("instance_id")),
                Optional.ofNullable(rs.getBytes("input")),
                rs.getLong("input_bytes"),
                Optional.ofNullable(rs.getBytes("output")),
                rs.getLong("output_bytes"));
    }

    private static Optional<Instant> instant(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(value));
    }

    @Override
    public void close() {
        writer.close();
    }
}
