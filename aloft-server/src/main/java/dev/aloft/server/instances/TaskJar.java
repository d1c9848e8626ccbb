package dev.aloft.server.instances;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The loose files of a function's code (Lambda's "classes at the root") as one jar, for the class
 * path of a per-function AOT cache: the JVM refuses to create a cache when a class path directory
 * is not empty. Left out, as a directory on a class loader's path ignores them: the function's jars
 * (they go on the class path themselves), the manifest (its {@code Class-Path} would add entries)
 * and signature files (they would not match the repackaged jar).
 */
final class TaskJar {

    private TaskJar() {
    }

    /** Writes the jar; false, and no jar, when the code has no loose files. */
    static boolean write(Path codeDir, Path jar) throws IOException {
        List<Path> files;
        try (Stream<Path> paths = Files.walk(codeDir)) {
            files = paths.filter(Files::isRegularFile)
                    .filter(file -> included(codeDir.relativize(file)))
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            return false;
        }
        try (var out = new ZipOutputStream(Files.newOutputStream(jar))) {
            for (Path file : files) {
                out.putNextEntry(new ZipEntry(codeDir.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        // Read by the function's unprivileged user, like the code itself.
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        return true;
    }

    private static boolean included(Path relative) {
        String first = relative.getName(0).toString();
        if (relative.getNameCount() == 1) {
            return !first.endsWith(".jar");
        }
        if (first.equals("lib")) {
            return false;
        }
        if (first.equals("META-INF") && relative.getNameCount() == 2) {
            String name = relative.getFileName().toString().toUpperCase(Locale.ROOT);
            return !(name.equals("MANIFEST.MF") || name.endsWith(".SF") || name.endsWith(".RSA")
                    || name.endsWith(".DSA") || name.endsWith(".EC"));
        }
        return true;
    }
}
