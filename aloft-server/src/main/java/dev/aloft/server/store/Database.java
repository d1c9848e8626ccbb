package dev.aloft.server.store;

import dev.aloft.server.AloftException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * The embedded SQLite store. SQLite allows one writer at a time, so every statement runs on one
 * connection, from one platform thread: callers (mostly virtual threads) hand their work over and
 * wait. SQLite works in native code, which would pin a virtual thread's carrier for the whole of a
 * statement or commit; on a 2-core node two such waits stalled every request. WAL keeps readers of
 * the file (backups, the CLI) unblocked.
 */
public final class Database implements AutoCloseable {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /** Schema migrations, applied in order, each once; never edit one that has shipped. */
    private static final List<String> MIGRATIONS = List.of("V1__functions_and_logs.sql", "V2__invocation_ledger.sql",
            "V3__async_delivery.sql", "V4__schedules.sql", "V5__access_keys.sql",
            "V6__versions_and_aliases.sql", "V7__min_instances.sql",
            "V8__reserved_concurrency.sql", "V9__prewarmed_cold_starts.sql", "V10__idle_histograms.sql",
            "V11__deleted_function_revisions.sql", "V12__async_throttles.sql",
            "V13__async_queue_by_function.sql");

    private final Connection connection;
    /** The one thread that touches the connection; work already on it runs nested calls directly. */
    private volatile Thread storeThread;
    private final ExecutorService store = Executors.newSingleThreadExecutor(
            runnable -> storeThread = Thread.ofPlatform().daemon().name("store").unstarted(runnable));

    private Database(Connection connection) {
        this.connection = connection;
    }

    public static Database open(Path file) {
        try {
            ownerOnly(file);
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

    /**
     * The store holds every function's settings, keys and invocations: 0600, created so before
     * SQLite opens it, as SQLite gives its -wal and -shm files the database file's mode. Without
     * bubblewrap, functions can enter the data dir (see the sandbox's data-dir passage).
     */
    private static void ownerOnly(Path file) {
        try {
            if (Files.notExists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            for (String suffix : List.of("", "-wal", "-shm")) {
                Path part = file.resolveSibling(file.getFileName() + suffix);
                if (Files.exists(part)) {
                    Files.setPosixFilePermissions(part, OWNER_ONLY);
                }
            }
        } catch (IOException e) {
            throw new AloftException(500, "ServiceException", "cannot make the store " + file + " private: " + e.getMessage(), e);
        }
    }

    /** Work done with the connection while holding the store's lock. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} on the store's thread and waits for it; SQL errors become {@link AloftException}s. */
    public <T> T withConnection(Work<T> work) {
        if (Thread.currentThread() == storeThread) {
            return runOnStore(work);
        }
        Future<T> result;
        try {
            result = store.submit(() -> runOnStore(work));
        } catch (RejectedExecutionException e) {
            throw new AloftException(503, "ServiceException", "the store is closed: the server is shutting down", e);
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    // The work runs to its end either way; the caller must learn how it ended.
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException("store work failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@code cache}'s entry for {@code key}, filled with {@code load} (null: none) on a miss. The
     * fill runs on the store's thread, where {@code load}'s reads run inline: a fill on another
     * thread would hold the entry while it waited for the store, and deadlock with store work (a
     * transaction) that looks the same entry up.
     */
    public <K, V> V readThrough(ConcurrentMap<K, V> cache, K key, Function<K, V> load) {
        V cached = cache.get(key);
        return cached != null ? cached : withConnection(c -> cache.computeIfAbsent(key, load));
    }

    /**
     * Runs {@code chunk} as one store task after another until one deletes fewer than
     * {@code chunkRows} rows; returns the total. Other store work queues in between, so a delete of
     * hundreds of thousands of rows (seconds of work) holds the store for one chunk at a time.
     */
    public int deleteInChunks(int chunkRows, Work<Integer> chunk) {
        int total = 0;
        while (true) {
            int deleted = withConnection(chunk);
            total += deleted;
            if (deleted < chunkRows) {
                return total;
            }
        }
    }

    private <T> T runOnStore(Work<T> work) {
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw new AloftException(500, "ServiceException", "store error: " + e.getMessage(), e);
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
        store.shutdown();
    }
}
