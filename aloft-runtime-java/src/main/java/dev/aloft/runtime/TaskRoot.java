package dev.aloft.runtime;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The function's code as Lambda lays it out: classes at the root plus {@code lib/*.jar}, or one
 * or more jars at the top level.
 *
 * @param onClassPath the platform put the code on the JVM's class path (a per-function AOT cache
 *                    holds only classes of the built-in loaders, so the handler must come from there)
 */
record TaskRoot(Path directory, boolean onClassPath) {

    /** How many entries an error message lists before it stops; enough to spot a wrong upload. */
    private static final int LISTED_ENTRIES = 20;

    /**
     * The application class loader when the code is on the class path; otherwise a loader over
     * the function's code whose parent is the runtime's loader. Parent-first
     * delegation means the handler interfaces are the runtime's own even when a function jar
     * bundles {@code aws-lambda-java-core} itself.
     */
    ClassLoader classLoader() {
        if (onClassPath) {
            return ClassLoader.getSystemClassLoader();
        }
        var urls = new ArrayList<URL>();
        try {
            urls.add(directory.toUri().toURL());
            urls.addAll(jarsIn(directory.resolve("lib")));
            urls.addAll(jarsIn(directory));
        } catch (IOException e) {
            throw new HandlerInitException("Runtime.HandlerInitError",
                    "task root " + directory + " cannot be read as a class path: " + e, e);
        }
        return new URLClassLoader("function", urls.toArray(URL[]::new), TaskRoot.class.getClassLoader());
    }

    /** What the task root holds, for error messages that have to say why a class is missing. */
    String describe() {
        if (!Files.isDirectory(directory)) {
            return "task root " + directory + " does not exist";
        }
        try (Stream<Path> entries = Files.list(directory)) {
            List<String> names = entries
                    .map(entry -> entry.getFileName() + (Files.isDirectory(entry) ? "/" : ""))
                    .sorted()
                    .toList();
            if (names.isEmpty()) {
                return "task root " + directory + " is empty";
            }
            String listed = String.join(", ", names.subList(0, Math.min(names.size(), LISTED_ENTRIES)));
            return "task root " + directory + " holds: " + listed
                    + (names.size() > LISTED_ENTRIES ? " and " + (names.size() - LISTED_ENTRIES) + " more" : "");
        } catch (IOException e) {
            return "task root " + directory + " cannot be listed: " + e.getMessage();
        }
    }

    private static List<URL> jarsIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            var jars = new ArrayList<URL>();
            // Sorted so that a class present in two jars resolves the same way on every start.
            for (Path jar : entries.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                jars.add(jar.toUri().toURL());
            }
            return jars;
        }
    }
}
