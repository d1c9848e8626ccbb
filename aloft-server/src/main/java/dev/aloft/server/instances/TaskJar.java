package dev.aloft.server.instances;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The loose files of a function's code (Lambda's "classes at the root") repackaged for a
 * per-function AOT cache, whose class path cannot hold them as they are: the JVM refuses to create
 * a cache when a class path directory is not empty. It accepts one appended after the entries the
 * cache loaded classes from, so instances get the task root itself last, and resources from there
 * keep their {@code file:} URLs, as without a cache.
 * <ul>
 *   <li>{@code task.jar}, on the class path of the training run and of instances: the loose
 *       classes, and any loose resource that a jar of the code holds too, so that the root's copy
 *       still comes first, as it does from the task root's own class loader;</li>
 *   <li>the resources jar, on the training run's class path only, in the place where instances
 *       have the task root: the other loose resources, for a handler that reads one while it
 *       initializes.</li>
 * </ul>
 * Left out of both: the function's jars (they go on the class path themselves), the manifest (its
 * {@code Class-Path} would add entries) and signature files (they would not match the repackaged jar).
 */
final class TaskJar {

    /**
     * What was written: each jar is present when it got at least one file.
     *
     * @param classJar     {@code task.jar}
     * @param resourcesJar the resources for the training run
     */
    record Written(Optional<Path> classJar, Optional<Path> resourcesJar) {
    }

    private TaskJar() {
    }

    /** The code's own jars, as class path entries relative to its root: {@code lib/*.jar}, then {@code *.jar}. */
    static List<String> codeJars(Path codeDir) throws IOException {
        List<String> jars = new ArrayList<>();
        for (String dir : List.of("lib", "")) {
            Path hostDir = dir.isEmpty() ? codeDir : codeDir.resolve(dir);
            if (!Files.isDirectory(hostDir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(hostDir)) {
                files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                        .map(p -> p.getFileName().toString())
                        .sorted()
                        .forEach(name -> jars.add(dir.isEmpty() ? name : dir + "/" + name));
            }
        }
        return jars;
    }

    /** Writes {@code classJar} and {@code resourcesJar} from the loose files of {@code codeDir}. */
    static Written write(Path codeDir, Path classJar, Path resourcesJar) throws IOException {
        List<String> looseFiles;
        try (Stream<Path> paths = Files.walk(codeDir)) {
            looseFiles = paths.filter(Files::isRegularFile)
                    .map(codeDir::relativize)
                    .filter(TaskJar::included)
                    .map(relative -> relative.toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        }
        Predicate<String> isClass = name -> name.endsWith(".class");
        Set<String> shadowed = alsoInCodeJars(codeDir, looseFiles.stream().filter(isClass.negate()).collect(Collectors.toSet()));
        Map<Boolean, List<String>> inClassJar = looseFiles.stream()
                .collect(Collectors.partitioningBy(name -> isClass.test(name) || shadowed.contains(name)));
        return new Written(writeJar(codeDir, inClassJar.get(true), classJar), writeJar(codeDir, inClassJar.get(false), resourcesJar));
    }

    private static Optional<Path> writeJar(Path codeDir, List<String> names, Path jar) throws IOException {
        if (names.isEmpty()) {
            return Optional.empty();
        }
        try (var out = new ZipOutputStream(Files.newOutputStream(jar))) {
            for (String name : names) {
                out.putNextEntry(new ZipEntry(name));
                Files.copy(codeDir.resolve(name), out);
                out.closeEntry();
            }
        }
        // Read by the function's unprivileged user, like the code itself.
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        return Optional.of(jar);
    }

    /**
     * The loose resources that one of the code's jars holds too. Only those names are kept: a jar
     * may hold millions of entries. A jar that is not a zip shadows nothing, as the JVM skips it too.
     */
    private static Set<String> alsoInCodeJars(Path codeDir, Set<String> resources) throws IOException {
        Set<String> shadowed = new HashSet<>();
        for (String jar : resources.isEmpty() ? List.<String>of() : codeJars(codeDir)) {
            try (var zip = new ZipFile(codeDir.resolve(jar).toFile())) {
                zip.stream().map(ZipEntry::getName).filter(resources::contains).forEach(shadowed::add);
            } catch (ZipException e) {
                // Not a jar after all.
            }
        }
        return shadowed;
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
