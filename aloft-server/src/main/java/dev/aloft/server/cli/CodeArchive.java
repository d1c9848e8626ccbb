package dev.aloft.server.cli;

import dev.aloft.server.AloftException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Turns a {@code --code} path into the zip the API takes: a .zip or .jar as is, a directory
 * zipped. Directories go through the JDK's zip file system because, unlike {@code java.util.zip},
 * it records Unix modes; a {@code provided} runtime's {@code bootstrap} must stay executable.
 */
final class CodeArchive {

    private CodeArchive() {}

    static byte[] bytes(Path code) {
        if (Files.isDirectory(code)) {
            return zip(code);
        }
        if (!Files.isRegularFile(code)) {
            throw AloftException.invalid("code path " + code.toAbsolutePath() + " does not exist");
        }
        String fileName = code.getFileName().toString().toLowerCase();
        if (!fileName.endsWith(".zip") && !fileName.endsWith(".jar")) {
            throw AloftException.invalid("code path " + code + " must be a directory, a .zip or a .jar");
        }
        try {
            return Files.readAllBytes(code);
        } catch (IOException e) {
            throw new CliException("cannot read " + code + ": " + e.getMessage(), e);
        }
    }

    /** The zip file system only writes to a file, so the archive passes through a temporary one. */
    private static byte[] zip(Path directory) {
        Path zipFile = temporaryZipPath(directory);
        try {
            boolean posix = Files.getFileAttributeView(directory, PosixFileAttributeView.class) != null;
            try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + zipFile.toUri()),
                    Map.of("create", "true", "enablePosixFileAttributes", Boolean.toString(posix)))) {
                for (Path source : sortedTree(directory)) {
                    copy(source, zip.getPath("/", directory.relativize(source).toString()), posix);
                }
            }
            return Files.readAllBytes(zipFile);
        } catch (IOException e) {
            throw new CliException("cannot zip " + directory + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(zipFile);
        }
    }

    /** A fresh name only: the zip file system refuses to "create" over an existing (empty) file. */
    private static Path temporaryZipPath(Path directory) {
        try {
            Path file = Files.createTempFile("aloft-code-", ".zip");
            Files.delete(file);
            return file;
        } catch (IOException e) {
            throw new CliException("cannot zip " + directory + ": no temporary file: " + e.getMessage(), e);
        }
    }

    /** Sorted so that the same directory always gives the same archive (and code hash). */
    private static List<Path> sortedTree(Path directory) throws IOException {
        try (Stream<Path> tree = Files.walk(directory)) {
            return tree.filter(path -> !path.equals(directory)).sorted().toList();
        }
    }

    /**
     * Stamps every entry time with the source's modification time: zipfs otherwise records "now"
     * as access and creation time, and unchanged code would not zip to the same bytes (and hash).
     */
    private static void copy(Path source, Path target, boolean posix) throws IOException {
        if (Files.isDirectory(source)) {
            Files.createDirectories(target);
        } else {
            Files.copy(source, target);
        }
        FileTime modified = Files.getLastModifiedTime(source);
        Files.getFileAttributeView(target, BasicFileAttributeView.class).setTimes(modified, modified, modified);
        if (posix) {
            Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(source));
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover temporary file is harmless; the deploy itself succeeded or already failed.
        }
    }
}
