package dev.aloft.server.instances;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The JVM runs a stale cache's classes without a word, so the platform must refuse the cache itself. */
class AotCacheFingerprintTest {

    private static final Instant TRAINED = Instant.parse("2026-11-01T10:00:00Z");

    @TempDir
    Path runtime;
    Path lib;
    Path cache;
    Path fingerprint;

    @BeforeEach
    void trainedRuntime() throws IOException {
        lib = Files.createDirectories(runtime.resolve("lib"));
        jar("aloft-runtime-java.jar", "bootstrap", TRAINED.minusSeconds(60));
        jar("jackson-core-2.23.0.jar", "jackson", TRAINED.minusSeconds(3600));
        Path aot = Files.createDirectories(runtime.resolve("aot"));
        fingerprint = Files.write(aot.resolve("java-runtime.classpath"), List.of(
                "aloft-runtime-java.jar\t9\t" + TRAINED.minusSeconds(60).toEpochMilli(),
                "jackson-core-2.23.0.jar\t7\t" + TRAINED.minusSeconds(3600).toEpochMilli()));
        Files.setLastModifiedTime(fingerprint, FileTime.from(TRAINED));
        cache = Files.write(aot.resolve("java-runtime.aot"), new byte[] {1, 2, 3});
        Files.setLastModifiedTime(cache, FileTime.from(TRAINED.plusSeconds(3)));
    }

    @Test
    void aCacheTrainedOnTheseJarsIsUsed() {
        assertThat(new JavaAotCache(lib).current()).contains(cache);
        assertThat(new JavaAotCache(lib).directory()).isEqualTo(cache.getParent());
    }

    @Test
    void aJarRebuiltAfterTrainingMakesTheCacheUnused() throws IOException {
        jar("aloft-runtime-java.jar", "bootstrap", TRAINED.plusSeconds(600));
        assertThat(new JavaAotCache(lib).current()).isEmpty();
    }

    @Test
    void aJarOfAnotherSizeWithTheSameTimeMakesTheCacheUnused() throws IOException {
        jar("jackson-core-2.23.0.jar", "jackson-patched", TRAINED.minusSeconds(3600));
        assertThat(new JavaAotCache(lib).current()).isEmpty();
    }

    @Test
    void anAddedJarMakesTheCacheUnused() throws IOException {
        jar("extra.jar", "x", TRAINED.minusSeconds(60));
        assertThat(new JavaAotCache(lib).current()).isEmpty();
    }

    @Test
    void aCacheOlderThanItsFingerprintIsOneStillBeingWritten() throws IOException {
        Files.setLastModifiedTime(cache, FileTime.from(TRAINED.minusSeconds(3600)));
        assertThat(new JavaAotCache(lib).current()).isEmpty();
    }

    @Test
    void noCacheNoFlag() throws IOException {
        Files.delete(cache);
        assertThat(new JavaAotCache(lib).current()).isEmpty();
    }

    private void jar(String name, String content, Instant modified) throws IOException {
        Path jar = Files.writeString(lib.resolve(name), content);
        Files.setLastModifiedTime(jar, FileTime.from(modified));
    }
}
