package dev.aloft.server.events;

import dev.aloft.server.store.Database;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code schedules} table. */
final class ScheduleStore {

    private static final String COLUMNS = "id, function_name, cron, rate, timezone, anchor_ms, input, catch_up, last_fired_ms, qualifier";

    private final Database database;

    ScheduleStore(Database database) {
        this.database = database;
    }

    void insert(StoredSchedule s) {
        database.withConnection(c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO schedules (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, s.id());
                insert.setString(2, s.functionName());
                insert.setString(3, s.schedule().cron().orElse(null));
                insert.setString(4, s.schedule().rate().orElse(null));
                insert.setString(5, s.schedule().timezone());
                insert.setLong(6, s.schedule().anchor().toEpochMilli());
                insert.setString(7, s.input().orElse(null));
                insert.setString(8, s.catchUp().name());
                insert.setLong(9, s.lastFired().toEpochMilli());
                insert.setString(10, s.qualifier().orElse(null));
                return insert.executeUpdate();
            }
        });
    }

    List<StoredSchedule> list(Optional<String> functionName) {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM schedules"
                    + (functionName.isPresent() ? " WHERE function_name = ?" : "") + " ORDER BY function_name, id")) {
                if (functionName.isPresent()) {
                    select.setString(1, functionName.get());
                }
                try (ResultSet rs = select.executeQuery()) {
                    List<StoredSchedule> schedules = new ArrayList<>();
                    while (rs.next()) {
                        schedules.add(read(rs));
                    }
                    return schedules;
                }
            }
        });
    }

    void markFired(String id, Instant fired) {
        database.withConnection(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE schedules SET last_fired_ms = ? WHERE id = ?")) {
                update.setLong(1, fired.toEpochMilli());
                update.setString(2, id);
                return update.executeUpdate();
            }
        });
    }

    boolean delete(String id) {
        return database.withConnection(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM schedules WHERE id = ?")) {
                delete.setString(1, id);
                return delete.executeUpdate() == 1;
            }
        });
    }

    void deleteFor(String functionName) {
        database.withConnection(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM schedules WHERE function_name = ?")) {
                delete.setString(1, functionName);
                return delete.executeUpdate();
            }
        });
    }

    private static StoredSchedule read(ResultSet rs) throws SQLException {
        Schedule schedule = Schedule.parse(Optional.ofNullable(rs.getString("cron")), Optional.ofNullable(rs.getString("rate")),
                rs.getString("timezone"), Instant.ofEpochMilli(rs.getLong("anchor_ms")));
        return new StoredSchedule(rs.getString("id"), rs.getString("function_name"),
                Optional.ofNullable(rs.getString("qualifier")), schedule,
                Optional.ofNullable(rs.getString("input")), CatchUp.valueOf(rs.getString("catch_up")),
                Instant.ofEpochMilli(rs.getLong("last_fired_ms")));
    }
}
