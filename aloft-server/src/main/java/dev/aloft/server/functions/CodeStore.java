package dev.aloft.server.functions;

import dev.aloft.server.AloftException;
import dev.aloft.server.store.FileTrees;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Function code on disk, content-addressed: {@code <root>/<sha256 of the archive>/} holds the
 * extracted tree, so an unchanged redeploy costs a hash and nothing else. Trees are world-readable
 * (functions run as an unprivileged user) and never modified once in place.
 */
public final class CodeStore {

    /** Lambda's limit for unzipped code. */
    static final long MAX_UNZIPPED_BYTES = 250L * 1024 * 1024;
    private static final int MAX_ENTRIES = 50_000;
    private static final String SLOTS = ".slots";

    private final Path root;

    public CodeStore(Path root) {
        this.root = root;
        try {
            Files.createDirectories(root);
            // Enter, not list: without bubblewrap a function reaches its own code here by path, and
            // must not find the others' by listing.
            setMode(root, "rwx--x--x");
        } catch (IOException e) {
            throw new AloftException(500, "ServiceException", "cannot create code directory " + root, e);
        }
        // Slots of a server that was killed: their processes died with it (bwrap --die-with-parent).
        deleteTree(root.resolve(SLOTS));
    }

    /** The directory the code lives in; its siblings hold what the platform derives from code (AOT caches). */
    public Path root() {
        return root;
    }

    /** The extracted tree of a stored package. */
    public Path directory(String sha256) {
        return root.resolve(sha256);
    }

    /**
     * A new empty directory for a prewarmed process's code, in the store so that {@link #fill} can
     * hard-link into it (links need the same file system).
     */
    public Path newSlot(String instanceId) {
        Path slot = root.resolve(SLOTS).resolve(instanceId);
        try {
            createDirectories(slot, root);
        } catch (IOException e) {
            throw new AloftException(500, "ServiceException", "cannot create code slot " + slot + ": " + e.getMessage(), e);
        }
        return slot;
    }

    /**
     * Makes a stored package appear in {@code slot}: hard links, since the store never modifies a
     * file (a copy where a link is refused). Costs a few syscalls per file, not a copy of the code.
     */
    public void fill(Path slot, String sha256) throws IOException {
        Path source = directory(sha256);
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path from : (Iterable<Path>) paths::iterator) {
                Path to = slot.resolve(source.relativize(from).toString());
                if (from.equals(source)) {
                    continue;
                }
                if (Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(to);
                    setMode(to, "rwxr-xr-x");
                } else {
                    try {
                        Files.createLink(to, from);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
        }
    }

    /** Removes a slot made by {@link #newSlot}; the stored package it linked to stays. */
    public static void removeSlot(Path slot) {
        deleteTree(slot);
    }

    /** Stores the archive unless an identical one is stored already; returns its sha256. */
    String store(byte[] zip) {
        String sha256 = sha256(zip);
        Path target = directory(sha256);
        if (Files.isDirectory(target)) {
            return sha256;
        }
        Path staging = root.resolve(".staging-" + UUID.randomUUID());
        try {
            Files.createDirectories(staging);
            setMode(staging, "rwxr-xr-x");
            extract(zip, staging);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteTree(staging);
            if (!Files.isDirectory(target)) {
                throw new AloftException(500, "ServiceException", "cannot store code: " + e.getMessage(), e);
            }
            // A concurrent deploy of the same code won the race to the name; its tree is identical.
        } catch (RuntimeException e) {
            deleteTree(staging);
            throw e;
        }
        return sha256;
    }

    private static void extract(byte[] zip, Path into) throws IOException {
        long total = 0;
        int entries = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry entry;
            while ((entry = nextEntry(in)) != null) {
                if (++entries > MAX_ENTRIES) {
                    throw AloftException.invalid("archive has more than " + MAX_ENTRIES + " entries");
                }
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into) || entry.getName().startsWith("/")) {
                    throw AloftException.invalid("archive entry '" + entry.getName()
                            + "' points outside the code directory; remove '../' and absolute paths from the archive");
                }
                if (entry.isDirectory()) {
                    createDirectories(target, into);
                    continue;
                }
                createDirectories(target.getParent(), into);
                total += copyBounded(in, target, MAX_UNZIPPED_BYTES - total);
                setMode(target, isExecutable(target) ? "rwxr-xr-x" : "rw-r--r--");
            }
        }
        if (entries == 0) {
            throw AloftException.invalid("code archive is not a valid .zip or .jar, or it is empty");
        }
    }

    private static ZipEntry nextEntry(ZipInputStream in) {
        try {
            return in.getNextEntry();
        } catch (IOException e) {
            throw AloftException.invalid("code archive is corrupt: " + e.getMessage());
        }
    }

    private static long copyBounded(InputStream in, Path target, long remaining) throws IOException {
        long written = 0;
        byte[] buffer = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(target)) {
            int n;
            while ((n = read(in, buffer)) > 0) {
                written += n;
                if (written > remaining) {
                    throw AloftException.invalid("code unzips to more than " + MAX_UNZIPPED_BYTES / (1024 * 1024)
                            + " MB; make the package smaller");
                }
                out.write(buffer, 0, n);
            }
        }
        return written;
    }

    private static int read(InputStream in, byte[] buffer) {
        try {
            return in.read(buffer);
        } catch (ZipException e) {
            throw AloftException.invalid("code archive is corrupt: " + e.getMessage());
        } catch (IOException e) {
            throw AloftException.invalid("code archive cannot be read: " + e.getMessage());
        }
    }

    private static void createDirectories(Path dir, Path root) throws IOException {
        Files.createDirectories(dir);
        for (Path p = dir; p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            setMode(p, "rwxr-xr-x");
        }
    }

    /**
     * java.util.zip does not expose Unix modes, so a file is made executable when it is a script
     * (#!) or an ELF binary — which covers a {@code provided} runtime's {@code bootstrap}.
     */
    private static boolean isExecutable(Path file) throws IOException {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            return (n >= 2 && head[0] == '#' && head[1] == '!')
                    || (n == 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F');
        }
    }

    private static void setMode(Path path, String mode) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void deleteTree(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (UncheckedIOException e) {
            // Leftover staging dirs and slots are harmless: they are never referenced again.
        }
    }
}
