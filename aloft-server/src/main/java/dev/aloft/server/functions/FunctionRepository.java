package dev.aloft.server.functions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aloft.server.store.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** SQL for the {@code functions} table; plain SQL that SQLite and PostgreSQL both run. */
final class FunctionRepository {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "name, runtime, handler, memory_mb, timeout_seconds, environment, "
            + "concurrency, min_instances, reserved_concurrency, public_url, sensitive, max_retry_attempts, max_event_age_seconds, on_success, on_failure, "
            + "code_sha256, code_size_bytes, revision, created_at, updated_at";

    private final Database database;

    FunctionRepository(Database database) {
        this.database = database;
    }

    Optional<FunctionConfig> find(String name) {
        return database.withConnection(c -> find(c, name));
    }

    Optional<FunctionConfig> find(Connection c, String name) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM functions WHERE name = ?")) {
            select.setString(1, name);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /** The code hashes of every function and published version. */
    Set<String> codeInUse() {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT code_sha256 FROM functions UNION SELECT code_sha256 FROM function_versions");
                 ResultSet rs = select.executeQuery()) {
                Set<String> hashes = new HashSet<>();
                while (rs.next()) {
                    hashes.add(rs.getString(1));
                }
                return hashes;
            }
        });
    }

    List<FunctionConfig> list() {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM functions ORDER BY name");
                 ResultSet rs = select.executeQuery()) {
                List<FunctionConfig> functions = new ArrayList<>();
                while (rs.next()) {
                    functions.add(read(rs));
                }
                return functions;
            }
        });
    }

    /** Up to {@code limit} functions named after {@code after} (all from the start when empty), by name. */
    List<FunctionConfig> page(Optional<String> after, int limit) {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM functions WHERE name > ? "
                    + "ORDER BY name LIMIT ?")) {
                select.setString(1, after.orElse(""));
                select.setInt(2, limit);
                try (ResultSet rs = select.executeQuery()) {
                    List<FunctionConfig> functions = new ArrayList<>();
                    while (rs.next()) {
                        functions.add(read(rs));
                    }
                    return functions;
                }
            }
        });
    }

    void upsert(Connection c, FunctionConfig f) throws SQLException {
        try (PreparedStatement upsert = c.prepareStatement("INSERT INTO functions (" + COLUMNS + ") "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                + "runtime = excluded.runtime, handler = excluded.handler, memory_mb = excluded.memory_mb, "
                + "timeout_seconds = excluded.timeout_seconds, environment = excluded.environment, "
                + "concurrency = excluded.concurrency, min_instances = excluded.min_instances, "
                + "reserved_concurrency = excluded.reserved_concurrency, public_url = excluded.public_url, sensitive = excluded.sensitive, "
                + "max_retry_attempts = excluded.max_retry_attempts, max_event_age_seconds = excluded.max_event_age_seconds, "
                + "on_success = excluded.on_success, on_failure = excluded.on_failure, "
                + "code_sha256 = excluded.code_sha256, code_size_bytes = excluded.code_size_bytes, "
                + "revision = excluded.revision, updated_at = excluded.updated_at")) {
            upsert.setString(1, f.name());
            upsert.setString(2, f.runtime().id());
            upsert.setString(3, f.handler());
            upsert.setInt(4, f.memoryMb());
            upsert.setInt(5, f.timeoutSeconds());
            upsert.setString(6, toJson(f.environment()));
            upsert.setInt(7, f.concurrency());
            upsert.setInt(8, f.minInstances());
            upsert.setInt(9, f.reservedConcurrency());
            upsert.setInt(10, f.publicUrl() ? 1 : 0);
            upsert.setInt(11, f.sensitive() ? 1 : 0);
            upsert.setInt(12, f.async().maxRetryAttempts());
            upsert.setInt(13, f.async().maxEventAgeSeconds());
            upsert.setString(14, f.async().onSuccess().orElse(null));
            upsert.setString(15, f.async().onFailure().orElse(null));
            upsert.setString(16, f.codeSha256());
            upsert.setLong(17, f.codeSizeBytes());
            upsert.setLong(18, f.revision());
            upsert.setString(19, f.createdAt().toString());
            upsert.setString(20, f.updatedAt().toString());
            upsert.executeUpdate();
        }
    }

    /** The node memory every function but {@code name} keeps: {@link FunctionConfig#guaranteedMemoryMb()} summed. */
    long guaranteedMemoryMbExcept(Connection c, String name) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT COALESCE(SUM(CASE WHEN min_instances > reserved_concurrency"
                + " THEN min_instances ELSE reserved_concurrency END * memory_mb), 0) FROM functions WHERE name <> ?")) {
            select.setString(1, name);
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Deletes the function and remembers its last revision (see {@link #firstRevision}). */
    boolean delete(Connection c, String name) throws SQLException {
        try (PreparedStatement remember = c.prepareStatement("INSERT INTO deleted_function_revisions (name, revision) "
                + "SELECT name, revision FROM functions WHERE name = ? "
                + "ON CONFLICT (name) DO UPDATE SET revision = excluded.revision")) {
            remember.setString(1, name);
            remember.executeUpdate();
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM functions WHERE name = ?")) {
            delete.setString(1, name);
            return delete.executeUpdate() == 1;
        }
    }

    /**
     * The revision a function created under {@code name} starts at: after the last one of any
     * deleted function of that name, whose instances and queued calls may still be about.
     */
    long firstRevision(Connection c, String name) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT revision FROM deleted_function_revisions WHERE name = ?")) {
            select.setString(1, name);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? rs.getLong(1) + 1 : 1;
            }
        }
    }

    private static FunctionConfig read(ResultSet rs) throws SQLException {
        return new FunctionConfig(
                rs.getString("name"),
                FunctionConfig.LATEST,
                Runtime.fromId(rs.getString("runtime")),
                rs.getString("handler"),
                rs.getInt("memory_mb"),
                rs.getInt("timeout_seconds"),
                fromJson(rs.getString("environment")),
                rs.getInt("concurrency"),
                rs.getInt("min_instances"),
                rs.getInt("reserved_concurrency"),
                rs.getInt("public_url") == 1,
                rs.getInt("sensitive") == 1,
                new AsyncConfig(rs.getInt("max_retry_attempts"), rs.getInt("max_event_age_seconds"),
                        Optional.ofNullable(rs.getString("on_success")), Optional.ofNullable(rs.getString("on_failure"))),
                rs.getString("code_sha256"),
                rs.getLong("code_size_bytes"),
                rs.getLong("revision"),
                Instant.parse(rs.getString("created_at")),
                Instant.parse(rs.getString("updated_at")));
    }

    private static String toJson(Map<String, String> environment) throws SQLException {
        try {
            return JSON.writeValueAsString(environment);
        } catch (JsonProcessingException e) {
            throw new SQLException("cannot encode environment", e);
        }
    }

    private static Map<String, String> fromJson(String json) throws SQLException {
        try {
            return JSON.readValue(json, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new SQLException("stored environment is not JSON: " + json, e);
        }
    }
}
