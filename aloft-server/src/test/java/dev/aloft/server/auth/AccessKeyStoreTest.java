package dev.aloft.server.auth;

import dev.aloft.server.AloftException;
import dev.aloft.server.store.Database;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class AccessKeyStoreTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path dataDir;
    private Database database;
    private AccessKeyStore store;

    @BeforeEach
    void open() {
        database = Database.open(dataDir.resolve("aloft.db"));
        store = new AccessKeyStore(database, dataDir, InstantSource.fixed(NOW));
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void issuesKeysShapedLikeAwsOnes() {
        IssuedKey key = store.create("laptop");

        assertThat(key.accessKeyId()).matches("AKIA[A-Z2-7]{16}");
        assertThat(key.secretAccessKey()).matches("[A-Za-z0-9+/]{40}");
        assertThat(key.createdAt()).isEqualTo(NOW);
        assertThat(key.toString()).doesNotContain(key.secretAccessKey());
        assertThat(store.create("ci").accessKeyId()).isNotEqualTo(key.accessKeyId());
    }

    @Test
    void secretRoundTripsThroughEncryption() {
        IssuedKey key = store.create("laptop");

        assertThat(store.secretFor(key.accessKeyId())).contains(key.secretAccessKey());
        assertThat(store.secretFor("AKIAAAAAAAAAAAAAAAAA")).isEmpty();
    }

    @Test
    void storedRowDoesNotContainThePlaintextSecret() {
        IssuedKey key = store.create("laptop");

        List<byte[]> cells = database.withConnection(c -> {
            try (Statement statement = c.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT * FROM access_keys")) {
                List<byte[]> values = new ArrayList<>();
                while (rs.next()) {
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        byte[] value = rs.getBytes(i);
                        values.add(value == null ? new byte[0] : value);
                    }
                }
                return values;
            }
        });
        byte[] secret = key.secretAccessKey().getBytes(StandardCharsets.UTF_8);
        assertThat(cells).isNotEmpty().allSatisfy(cell ->
                assertThat(new String(cell, StandardCharsets.ISO_8859_1))
                        .doesNotContain(new String(secret, StandardCharsets.ISO_8859_1)));
    }

    @Test
    void masterKeyIsPrivateAndSurvivesReopening() throws Exception {
        IssuedKey key = store.create("laptop");
        Path masterKey = dataDir.resolve("master.key");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(masterKey))).isEqualTo("rw-------");
        assertThat(Files.size(masterKey)).isEqualTo(32);
        AccessKeyStore reopened = new AccessKeyStore(database, dataDir, InstantSource.fixed(NOW));
        assertThat(reopened.secretFor(key.accessKeyId())).contains(key.secretAccessKey());
    }

    @Test
    void replacedMasterKeyFailsLoudlyInsteadOfReturningGarbage() throws Exception {
        IssuedKey key = store.create("laptop");
        Files.write(dataDir.resolve("master.key"), new byte[32]);
        AccessKeyStore withOtherKey = new AccessKeyStore(database, dataDir, InstantSource.fixed(NOW));

        assertThatThrownBy(() -> withOtherKey.secretFor(key.accessKeyId()))
                .isInstanceOfSatisfying(AloftException.class, e -> assertThat(e.httpStatus()).isEqualTo(500))
                .hasMessageContaining("master.key");
    }

    @Test
    void truncatedMasterKeyIsRefused() throws Exception {
        Files.write(dataDir.resolve("master.key"), new byte[7]);

        assertThatThrownBy(() -> new AccessKeyStore(database, dataDir, InstantSource.fixed(NOW)))
                .isInstanceOf(AloftException.class)
                .hasMessageContaining("holds 7 bytes");
    }

    @Test
    void listsKeysWithoutSecrets() {
        IssuedKey first = store.create("laptop");
        IssuedKey second = store.create("ci");
        store.setDisabled(second.accessKeyId(), true);

        assertThat(store.list()).extracting(AccessKey::accessKeyId, AccessKey::description, AccessKey::disabled)
                .containsExactlyInAnyOrder(
                        tuple(first.accessKeyId(), "laptop", false),
                        tuple(second.accessKeyId(), "ci", true));
        assertThat(store.list()).allSatisfy(k -> {
            assertThat(k.createdAt()).isEqualTo(NOW);
            assertThat(k.lastUsedAt()).isEmpty();
        });
    }

    @Test
    void disabledKeyHasNoSecretUntilEnabledAgain() {
        IssuedKey key = store.create("laptop");

        store.setDisabled(key.accessKeyId(), true);
        assertThat(store.secretFor(key.accessKeyId())).isEmpty();
        store.setDisabled(key.accessKeyId(), false);
        assertThat(store.secretFor(key.accessKeyId())).contains(key.secretAccessKey());
    }

    @Test
    void deletedKeyIsGone() {
        IssuedKey key = store.create("laptop");

        store.delete(key.accessKeyId());

        assertThat(store.secretFor(key.accessKeyId())).isEmpty();
        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> store.delete(key.accessKeyId()))
                .isInstanceOfSatisfying(AloftException.class, e -> assertThat(e.httpStatus()).isEqualTo(404))
                .hasMessageContaining(key.accessKeyId());
    }

    @Test
    void recordsLastUseAtMostOncePerMinute() {
        IssuedKey key = store.create("laptop");
        Instant[] now = {NOW};
        AccessKeyStore ticking = new AccessKeyStore(database, dataDir, () -> now[0]);

        ticking.recordUse(key.accessKeyId());
        now[0] = NOW.plusSeconds(30);
        ticking.recordUse(key.accessKeyId());
        assertThat(store.list().getFirst().lastUsedAt()).contains(NOW);

        now[0] = NOW.plusSeconds(61);
        ticking.recordUse(key.accessKeyId());
        assertThat(store.list().getFirst().lastUsedAt()).contains(NOW.plusSeconds(61));
    }
}
