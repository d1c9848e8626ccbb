package dev.aloft.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's files are the server's alone: functions may enter the data dir when there is no bubblewrap. */
class DatabaseFileModeTest {

    @Test
    void aNewStoreAndItsWalAndShmFilesAreOwnerOnly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("aloft.db");
        try (Database database = Database.open(file)) {
            database.withConnection(connection -> connection.createStatement().execute("CREATE TABLE t (x INTEGER)"));

            assertThat(Files.exists(dir.resolve("aloft.db-wal"))).isTrue();
            for (String name : new String[] {"aloft.db", "aloft.db-wal", "aloft.db-shm"}) {
                assertThat(mode(dir.resolve(name))).as(name).isEqualTo("rw-------");
            }
        }
    }

    @Test
    void anExistingReadableStoreIsMadeOwnerOnlyWhenOpened(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("aloft.db");
        Database.open(file).close();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        Database.open(file).close();

        assertThat(mode(file)).isEqualTo("rw-------");
    }

    private static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
