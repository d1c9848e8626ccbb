package dev.aloft.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's own AOT cache, as the {@code aloft} launcher makes and uses it: a JVM running
 * {@code train-aot} under {@code -XX:AOTCacheOutput} leaves a cache that a later {@code up} with
 * the same class path and flags starts with, and the start-up report tells whether the JVM took it.
 */
class ServerAotCacheTest {

    private static final Duration START_LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();
    private int jarsMade;

    @AfterEach
    void stop() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void theTrainingRunLeavesACacheThatTheServerStartsWith() throws Exception {
        List<String> classPath = jarClassPath();
        Path cache = tmp.resolve("server.aot");
        Path trainingLog = tmp.resolve("training.log");

        Process training = start(classPath, List.of("-XX:AOTCacheOutput=" + cache), trainingLog,
                "train-aot", "--calls", "20");

        assertThat(training.waitFor(240, TimeUnit.SECONDS)).as("training ended").isTrue();
        String log = Files.readString(trainingLog);
        assertThat(training.exitValue()).as(log).isZero();
        assertThat(log).containsPattern("trained on \\d+ invocations of [34] functions in [\\d.]+ s; 0 failed");
        assertThat(cache).isNotEmptyFile();
        assertThat(startUpReport(classPath, cache)).contains("server start: AOT cache " + cache + "\n");
    }

    @Test
    void aCacheTheJvmRefusesIsReportedAndTheServerStartsWithoutIt() throws Exception {
        Path notACache = Files.writeString(tmp.resolve("other.aot"), "not an AOT cache");

        assertThat(startUpReport(jarClassPath(), notACache))
                .contains("server start: AOT cache " + notACache + " not usable (another build or JDK): started without it");
    }

    /** What {@code up} printed once it was running, started with {@code cache} as the launcher passes it. */
    private String startUpReport(List<String> classPath, Path cache) throws IOException {
        Path log = tmp.resolve("up-" + System.nanoTime() + ".log");
        Process up = start(classPath, List.of("-XX:AOTCache=" + cache, "-Xlog:aot*=off"), log,
                "up", "--no-examples", "--port", "0", "--data", tmp.resolve("data-" + System.nanoTime()).toString());
        await().atMost(START_LIMIT).until(() -> {
            String printed = Files.readString(log);
            assertThat(up.isAlive()).as(printed).isTrue();
            return printed.contains("Aloft is running");
        });
        return Files.readString(log);
    }

    private Process start(List<String> classPath, List<String> jvmFlags, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-Daloft.home=" + Path.of("..").toAbsolutePath().normalize()));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", String.join(File.pathSeparator, classPath), "dev.aloft.server.cli.AloftCommand"));
        command.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(process);
        return process;
    }

    /**
     * This run's class path with its class directories packed as jars: an AOT cache only covers
     * classes from jar files (the launcher runs target/aloft.jar, which the tests run before).
     */
    private List<String> jarClassPath() throws IOException {
        List<String> jars = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            jars.add(Files.isDirectory(path) ? packed(path).toString() : entry);
        }
        return jars;
    }

    private Path packed(Path classes) throws IOException {
        Path jar = tmp.resolve(classes.getFileName() + "-" + jarsMade++ + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace(File.separatorChar, '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
