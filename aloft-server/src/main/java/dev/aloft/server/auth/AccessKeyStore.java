package dev.aloft.server.auth;

import dev.aloft.server.AloftException;
import dev.aloft.server.store.Database;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Issues access keys shaped like AWS's ({@code AKIA…} and a 40-character secret) so that AWS SDKs
 * and the CLI accept them, and keeps their secrets sealed under the data directory's master key.
 */
public final class AccessKeyStore {

    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final int ID_SUFFIX_CHARS = 16;
    // 30 random bytes are exactly 40 base64 characters, the length AWS secrets have.
    private static final int SECRET_BYTES = 30;
    // Recording every use would make each signed request a write; a minute is precise enough to
    // tell an unused key from a used one.
    private static final Duration LAST_USED_PRECISION = Duration.ofMinutes(1);

    private final Database database;
    private final MasterKey masterKey;
    private final SecureRandom random;
    private final InstantSource clock;

    /** Opens the store's keys; creates {@code <dataDir>/master.key} if there is none yet. */
    public AccessKeyStore(Database database, Path dataDir, InstantSource clock) {
        this.database = database;
        this.random = new SecureRandom();
        this.masterKey = MasterKey.loadOrCreate(dataDir, random);
        this.clock = clock;
    }

    /** Issues a new, enabled key. The returned secret is not kept in plaintext anywhere. */
    public IssuedKey create(String description) {
        String accessKeyId = newAccessKeyId();
        byte[] secretBytes = new byte[SECRET_BYTES];
        random.nextBytes(secretBytes);
        String secret = Base64.getEncoder().encodeToString(secretBytes);
        byte[] sealed = masterKey.seal(secret.getBytes(StandardCharsets.UTF_8), context(accessKeyId));
        Instant createdAt = clock.instant();
        database.withConnection(c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO access_keys "
                    + "(access_key_id, secret_sealed, description, created_at_ms, disabled) VALUES (?, ?, ?, ?, 0)")) {
                insert.setString(1, accessKeyId);
                insert.setBytes(2, sealed);
                insert.setString(3, description);
                insert.setLong(4, createdAt.toEpochMilli());
                return insert.executeUpdate();
            }
        });
        return new IssuedKey(accessKeyId, secret, createdAt);
    }

    /** The plaintext secret of an enabled key; empty when the key is unknown or disabled. */
    public Optional<String> secretFor(String accessKeyId) {
        Optional<byte[]> sealed = database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT secret_sealed FROM access_keys WHERE access_key_id = ? AND disabled = 0")) {
                select.setString(1, accessKeyId);
                try (ResultSet rs = select.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
                }
            }
        });
        return sealed.map(s -> new String(masterKey.open(s, context(accessKeyId)), StandardCharsets.UTF_8));
    }

    /** Every key, oldest first, without secrets. */
    public List<AccessKey> list() {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT access_key_id, description, created_at_ms, "
                    + "last_used_at_ms, disabled FROM access_keys ORDER BY created_at_ms, access_key_id");
                 ResultSet rs = select.executeQuery()) {
                List<AccessKey> keys = new ArrayList<>();
                while (rs.next()) {
                    long lastUsedAtMs = rs.getLong(4);
                    Optional<Instant> lastUsedAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(lastUsedAtMs));
                    keys.add(new AccessKey(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                            lastUsedAt, rs.getInt(5) != 0));
                }
                return keys;
            }
        });
    }

    /** Disables or re-enables a key; a disabled key is kept but no request signed with it verifies. */
    public void setDisabled(String accessKeyId, boolean disabled) {
        int updated = database.withConnection(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE access_keys SET disabled = ? WHERE access_key_id = ?")) {
                update.setInt(1, disabled ? 1 : 0);
                update.setString(2, accessKeyId);
                return update.executeUpdate();
            }
        });
        requireFound(accessKeyId, updated);
    }

    /** Removes a key for good. */
    public void delete(String accessKeyId) {
        int deleted = database.withConnection(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM access_keys WHERE access_key_id = ?")) {
                delete.setString(1, accessKeyId);
                return delete.executeUpdate();
            }
        });
        requireFound(accessKeyId, deleted);
    }

    /** Notes that a request signed with the key verified, at most once per {@link #LAST_USED_PRECISION}. */
    void recordUse(String accessKeyId) {
        Instant now = clock.instant();
        database.withConnection(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE access_keys SET last_used_at_ms = ? "
                    + "WHERE access_key_id = ? AND (last_used_at_ms IS NULL OR last_used_at_ms <= ?)")) {
                update.setLong(1, now.toEpochMilli());
                update.setString(2, accessKeyId);
                update.setLong(3, now.minus(LAST_USED_PRECISION).toEpochMilli());
                return update.executeUpdate();
            }
        });
    }

    private String newAccessKeyId() {
        StringBuilder id = new StringBuilder("AKIA");
        for (int i = 0; i < ID_SUFFIX_CHARS; i++) {
            id.append(BASE32.charAt(random.nextInt(BASE32.length())));
        }
        return id.toString();
    }

    private static byte[] context(String accessKeyId) {
        return accessKeyId.getBytes(StandardCharsets.UTF_8);
    }

    private static void requireFound(String accessKeyId, int rows) {
        if (rows == 0) {
            throw AloftException.notFound("access key '" + accessKeyId + "' does not exist; list the keys to see which do");
        }
    }
}
