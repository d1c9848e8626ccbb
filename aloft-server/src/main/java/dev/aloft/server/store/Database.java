package dev.aloft.server.store;

import dev.aloft.server.AloftException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded SQLite store. SQLite allows one writer at a time, so every statement runs under
 * one lock on one connection; WAL keeps readers of the file (backups, the CLI) unblocked.
 */
public final class Database implements AutoCloseable {

    /** Schema migrations, applied in order, each once; never edit one that has shipped. */
    private static final List<String> MIGRATIONS = List.of("V1__functions_and_logs.sql", "V2__invocation_ledger.sql",
            "V3__async_delivery.sql", "V4__schedules.sql", "V5__access_keys.sql",
            "V6__versions_and_aliases.sql", "V7__min_instances.sql",
            "V8__reserved_concurrency.sql");

    private final Connection connection;
    private final ReentrantLock connectionLock = new ReentrantLock();

    private Database(Connection connection) {
        this.connection = connection;
    }

    public static Database open(Path file) {
        try {
            Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode=WAL");
                statement.execute("PRAGMA synchronous=NORMAL");
                statement.execute("PRAGMA foreign_keys=ON");
                statement.execute("PRAGMA busy_timeout=5000");
            }
            Database database = new Database(connection);
            database.migrate();
            return database;
        } catch (SQLException e) {
            throw new AloftException(500, "ServiceException", "cannot open the store at " + file + ": " + e.getMessage(), e);
        }
    }

    /** Work done with the connection while holding the store's lock. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} under the store lock; SQL errors become {@link AloftException}s. */
    public <T> T withConnection(Work<T> work) {
        connectionLock.lock();
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw new AloftException(500, "ServiceException", "store error: " + e.getMessage(), e);
        } finally {
            connectionLock.unlock();
        }
    }

    /** Runs {@code work} in one transaction: all of it is stored, or none. */
    public <T> T inTransaction(Work<T> work) {
        return withConnection(c -> {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    private void migrate() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)");
        }
        for (String migration : MIGRATIONS) {
            try (PreparedStatement check = connection.prepareStatement("SELECT 1 FROM schema_migrations WHERE name = ?")) {
                check.setString(1, migration);
                try (ResultSet rs = check.executeQuery()) {
                    if (rs.next()) {
                        continue;
                    }
                }
            }
            inTransaction(c -> {
                try (Statement statement = c.createStatement()) {
                    for (String sql : readMigration(migration).split(";\\s*\\n")) {
                        if (!sql.isBlank()) {
                            statement.execute(sql);
                        }
                    }
                }
                try (PreparedStatement record = c.prepareStatement(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (?, CURRENT_TIMESTAMP)")) {
                    record.setString(1, migration);
                    record.executeUpdate();
                }
                return null;
            });
        }
    }

    private static String readMigration(String name) {
        try (InputStream in = Database.class.getResourceAsStream("/db/" + name)) {
            if (in == null) {
                throw new AloftException(500, "ServiceException", "migration " + name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AloftException(500, "ServiceException", "cannot read migration " + name, e);
        }
    }

    @Override
    public void close() {
        withConnection(c -> {
            c.close();
            return null;
        });
    }
}
