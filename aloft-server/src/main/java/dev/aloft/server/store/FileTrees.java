package dev.aloft.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directory trees on the node's disk: code, code slots, scratch space, derived caches. */
public final class FileTrees {

    private FileTrees() {
    }

    /**
     * Deletes a directory and everything below it, if it exists; walking does not follow symlinks,
     * so a tree a function wrote cannot point the deletion elsewhere.
     *
     * @throws UncheckedIOException when some of it could not be deleted
     */
    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
