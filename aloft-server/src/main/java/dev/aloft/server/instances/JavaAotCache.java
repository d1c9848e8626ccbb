package dev.aloft.server.instances;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The AOT cache (JEP 483/514) the build trains for the Java bootstrap, and whether it still fits
 * the runtime's jars. The JVM does not notice a jar that changed after training — it would run the
 * cached, stale classes — so the cache is used only while the jars match the fingerprint the
 * training run wrote beside it, and only once the cache was written after that fingerprint.
 */
final class JavaAotCache {

    private final Path runtimeLib;
    private final Path cache;
    private final Path fingerprint;

    /** @param runtimeLib the Java runtime's class path directory ({@code aloft-runtime-java/target/lib}) */
    JavaAotCache(Path runtimeLib) {
        this.runtimeLib = runtimeLib;
        Path dir = runtimeLib.resolveSibling("aot");
        this.cache = dir.resolve("java-runtime.aot");
        this.fingerprint = dir.resolve("java-runtime.classpath");
    }

    /** The directory the cache lives in, which an instance's sandbox must show. */
    Path directory() {
        return cache.getParent();
    }

    /**
     * The cache, if it was trained on the jars now in the runtime's class path. A few file stats:
     * checked at every start, so a rebuild while the server runs is picked up, never half-seen.
     */
    Optional<Path> current() {
        try {
            if (!Files.isRegularFile(cache) || !Files.isRegularFile(fingerprint)
                    || Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(fingerprint)) < 0) {
                return Optional.empty();
            }
            return Files.readAllLines(fingerprint).equals(jars()) ? Optional.of(cache) : Optional.empty();
        } catch (IOException e) {
            // A cache we cannot check is one we do not use: instances start, only slower.
            return Optional.empty();
        }
    }

    /**
     * What a per-function cache depends on besides the function's code: the runtime's jars (name,
     * size, mtime) and the JVM build, hashed. A rebuilt runtime or another JDK gives another value.
     */
    Optional<String> runtimeFingerprint() {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            digest.update(System.getProperty("java.vm.version").getBytes(StandardCharsets.UTF_8));
            for (String jar : jars()) {
                digest.update(("\n" + jar).getBytes(StandardCharsets.UTF_8));
            }
            return Optional.of(HexFormat.of().formatHex(digest.digest(), 0, 8));
        } catch (IOException e) {
            return Optional.empty();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The runtime's jars in the training run's format: {@code name<TAB>size<TAB>mtimeMs}, sorted. */
    private List<String> jars() throws IOException {
        var lines = new ArrayList<String>();
        try (Stream<Path> entries = Files.list(runtimeLib)) {
            for (Path jar : entries.filter(p -> p.getFileName().toString().endsWith(".jar")).toList()) {
                lines.add(jar.getFileName() + "\t" + Files.size(jar) + "\t" + Files.getLastModifiedTime(jar).toMillis());
            }
        }
        lines.sort(null);
        return lines;
    }
}
