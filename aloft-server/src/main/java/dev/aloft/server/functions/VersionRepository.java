package dev.aloft.server.functions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.store.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** SQL for published versions (configuration snapshots as JSON) and aliases. */
final class VersionRepository {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;

    VersionRepository(Database database) {
        this.database = database;
    }

    Optional<FunctionVersion> latest(Connection c, String functionName) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT version, config, description, created_at FROM function_versions "
                + "WHERE function_name = ? ORDER BY version DESC LIMIT 1")) {
            select.setString(1, functionName);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(read(functionName, rs)) : Optional.empty();
            }
        }
    }

    void insert(Connection c, FunctionVersion version) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO function_versions (function_name, version, config, "
                + "code_sha256, description, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, version.config().name());
            insert.setInt(2, version.number());
            insert.setString(3, toJson(version.config()));
            insert.setString(4, version.config().codeSha256());
            insert.setString(5, version.description());
            insert.setString(6, version.config().updatedAt().toString());
            insert.executeUpdate();
        }
    }

    Optional<FunctionVersion> find(String functionName, int number) {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT version, config, description, created_at FROM function_versions "
                    + "WHERE function_name = ? AND version = ?")) {
                select.setString(1, functionName);
                select.setInt(2, number);
                try (ResultSet rs = select.executeQuery()) {
                    return rs.next() ? Optional.of(read(functionName, rs)) : Optional.empty();
                }
            }
        });
    }

    List<FunctionVersion> list(String functionName) {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT version, config, description, created_at FROM function_versions "
                    + "WHERE function_name = ? ORDER BY version")) {
                select.setString(1, functionName);
                try (ResultSet rs = select.executeQuery()) {
                    List<FunctionVersion> versions = new ArrayList<>();
                    while (rs.next()) {
                        versions.add(read(functionName, rs));
                    }
                    return versions;
                }
            }
        });
    }

    void upsertAlias(Alias alias) {
        database.withConnection(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO function_aliases (function_name, alias, version, "
                    + "additional_version, additional_weight, description, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT (function_name, alias) DO UPDATE SET version = excluded.version, "
                    + "additional_version = excluded.additional_version, additional_weight = excluded.additional_weight, "
                    + "description = excluded.description, updated_at = excluded.updated_at")) {
                upsert.setString(1, alias.functionName());
                upsert.setString(2, alias.name());
                upsert.setString(3, alias.version());
                upsert.setString(4, alias.additionalVersion().orElse(null));
                if (alias.additionalVersion().isPresent()) {
                    upsert.setDouble(5, alias.additionalWeight());
                } else {
                    upsert.setNull(5, Types.REAL);
                }
                upsert.setString(6, alias.description());
                upsert.setString(7, alias.updatedAt().toString());
                return upsert.executeUpdate();
            }
        });
    }

    Optional<Alias> findAlias(String functionName, String alias) {
        return aliases(functionName, Optional.of(alias)).stream().findFirst();
    }

    List<Alias> aliases(String functionName, Optional<String> only) {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT alias, version, additional_version, additional_weight, "
                    + "description, updated_at FROM function_aliases WHERE function_name = ?"
                    + (only.isPresent() ? " AND alias = ?" : "") + " ORDER BY alias")) {
                select.setString(1, functionName);
                if (only.isPresent()) {
                    select.setString(2, only.get());
                }
                try (ResultSet rs = select.executeQuery()) {
                    List<Alias> aliases = new ArrayList<>();
                    while (rs.next()) {
                        aliases.add(new Alias(functionName, rs.getString(1), rs.getString(2), Optional.ofNullable(rs.getString(3)),
                                rs.getDouble(4), rs.getString(5), Instant.parse(rs.getString(6))));
                    }
                    return aliases;
                }
            }
        });
    }

    boolean deleteAlias(String functionName, String alias) {
        return database.withConnection(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM function_aliases WHERE function_name = ? AND alias = ?")) {
                delete.setString(1, functionName);
                delete.setString(2, alias);
                return delete.executeUpdate() == 1;
            }
        });
    }

    /** Versions and aliases go with their function. */
    void deleteAll(Connection c, String functionName) throws SQLException {
        for (String table : List.of("function_versions", "function_aliases")) {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE function_name = ?")) {
                delete.setString(1, functionName);
                delete.executeUpdate();
            }
        }
    }

    private static String toJson(FunctionConfig f) throws SQLException {
        ObjectNode node = JSON.createObjectNode();
        node.put("runtime", f.runtime().id());
        node.put("handler", f.handler());
        node.put("memoryMb", f.memoryMb());
        node.put("timeoutSeconds", f.timeoutSeconds());
        node.set("environment", JSON.valueToTree(f.environment()));
        node.put("concurrency", f.concurrency());
        node.put("minInstances", f.minInstances());
        node.put("reservedConcurrency", f.reservedConcurrency());
        node.put("publicUrl", f.publicUrl());
        node.put("sensitive", f.sensitive());
        node.put("maxRetryAttempts", f.async().maxRetryAttempts());
        node.put("maxEventAgeSeconds", f.async().maxEventAgeSeconds());
        node.put("onSuccess", f.async().onSuccess().orElse(null));
        node.put("onFailure", f.async().onFailure().orElse(null));
        node.put("codeSha256", f.codeSha256());
        node.put("codeSizeBytes", f.codeSizeBytes());
        node.put("createdAt", f.createdAt().toString());
        return node.toString();
    }

    private static FunctionVersion read(String functionName, ResultSet rs) throws SQLException {
        int number = rs.getInt("version");
        JsonNode n;
        try {
            n = JSON.readTree(rs.getString("config"));
        } catch (JsonProcessingException e) {
            throw new SQLException("stored version " + number + " of " + functionName + " is not JSON", e);
        }
        Map<String, String> environment = new LinkedHashMap<>();
        n.path("environment").properties().forEach(e -> environment.put(e.getKey(), e.getValue().asText()));
        FunctionConfig config = new FunctionConfig(functionName, FunctionConfig.LATEST, Runtime.fromId(n.path("runtime").asText()),
                n.path("handler").asText(), n.path("memoryMb").asInt(), n.path("timeoutSeconds").asInt(), environment,
                n.path("concurrency").asInt(), n.path("minInstances").asInt(0),
                n.path("reservedConcurrency").asInt(0), n.path("publicUrl").asBoolean(), n.path("sensitive").asBoolean(),
                new AsyncConfig(n.path("maxRetryAttempts").asInt(), n.path("maxEventAgeSeconds").asInt(),
                        optionalText(n, "onSuccess"), optionalText(n, "onFailure")),
                n.path("codeSha256").asText(), n.path("codeSizeBytes").asLong(), 0,
                Instant.parse(n.path("createdAt").asText()), Instant.parse(rs.getString("created_at")));
        return new FunctionVersion(number, rs.getString("description"), config.asVersion(number, config.updatedAt()));
    }

    private static Optional<String> optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
    }
}
