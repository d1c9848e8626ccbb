package dev.aloft.server.auth;

import dev.aloft.server.AloftException;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * The AES-256 key in {@code <data>/master.key} that seals access-key secrets at rest. Losing the
 * file makes every stored secret unreadable, so it is created once and never replaced.
 */
final class MasterKey {

    static final String FILE_NAME = "master.key";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random;
    private final Path file;

    private MasterKey(byte[] key, SecureRandom random, Path file) {
        this.key = new SecretKeySpec(key, "AES");
        this.random = random;
        this.file = file;
    }

    /** Reads the master key of {@code dataDir}, creating it (mode 0600) on first use. */
    static MasterKey loadOrCreate(Path dataDir, SecureRandom random) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            if (!Files.exists(file)) {
                create(file, random);
            }
            byte[] key = Files.readAllBytes(file);
            if (key.length != KEY_BYTES) {
                throw new AloftException(500, "ServiceException", file + " holds " + key.length + " bytes, not "
                        + KEY_BYTES + ": restore it from a backup (stored access keys cannot be read without it)");
            }
            return new MasterKey(key, random, file);
        } catch (IOException e) {
            throw new AloftException(500, "ServiceException", "cannot read or create the master key " + file + ": "
                    + e.getMessage(), e);
        }
    }

    // Written beside the target and linked into place: a crash never leaves a short key behind, and
    // linking fails rather than overwrite a key another process created meanwhile.
    private static void create(Path file, SecureRandom random) throws IOException {
        byte[] key = new byte[KEY_BYTES];
        random.nextBytes(key);
        Path temporary = Files.createTempFile(file.getParent(), FILE_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(temporary, key);
            Files.createLink(file, temporary);
        } catch (FileAlreadyExistsException e) {
            // Another process created it first; its key wins and ours was never used.
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Encrypts {@code plaintext}; {@code context} must be given again to open it (binds it to its row). */
    byte[] seal(byte[] plaintext, byte[] context) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context);
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new AloftException(500, "ServiceException", "cannot encrypt with AES-256-GCM: " + e.getMessage(), e);
        }
    }

    /** Decrypts what {@link #seal} returned for the same {@code context}. */
    byte[] open(byte[] sealed, byte[] context) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(context);
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new AloftException(500, "ServiceException", "a stored access key secret does not decrypt with "
                    + file + ": the file was replaced or the store was copied without it; restore the original "
                    + "master.key or issue new access keys", e);
        } catch (GeneralSecurityException e) {
            throw new AloftException(500, "ServiceException", "cannot decrypt with AES-256-GCM: " + e.getMessage(), e);
        }
    }
}
