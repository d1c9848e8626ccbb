package dev.aloft.server.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A short host command run once at startup, because a protection that is installed is not
 * necessarily one that works (containers often forbid namespaces or mounts).
 */
record Probe(int exitCode, String output) {

    private static final long TIMEOUT_SECONDS = 10;
    private static final List<Path> BIN_DIRS =
            List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/local/bin"), Path.of("/usr/sbin"));

    static Probe run(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            Process process = builder.start();
            // Probe output is a line or two, well under a pipe buffer, so waiting first cannot deadlock.
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Probe(-1, "no answer within " + TIMEOUT_SECONDS + " s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Probe(process.exitValue(), output.strip());
        } catch (IOException e) {
            return new Probe(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while checking whether " + command.getFirst() + " works", e);
        }
    }

    /** Well-known binary directories, not the server's PATH: what we exec as root must not be user-controlled. */
    static Optional<Path> findExecutable(String name) {
        return BIN_DIRS.stream().map(dir -> dir.resolve(name)).filter(Files::isExecutable).findFirst();
    }

    boolean succeeded() {
        return exitCode == 0;
    }

    String firstLine() {
        return output.lines().findFirst().orElse("exit code " + exitCode);
    }
}
