package dev.aloft.server.sandbox;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/** Reading, writing and tearing down cgroupfs files, the same for both cgroup versions. */
final class CgroupFiles {

    private static final System.Logger LOG = System.getLogger(CgroupFiles.class.getName());
    /** Killed processes leave their cgroup asynchronously; rmdir fails with EBUSY until they have. */
    private static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REMOVE_RETRY = Duration.ofMillis(5);

    private CgroupFiles() {
    }

    static void write(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new SandboxException("cannot write '" + value + "' to " + file + ": " + e.getMessage(), e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new SandboxException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static void createDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SandboxException("cannot create cgroup " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The value of a "key value" line in files like memory.events or memory.oom_control. */
    static OptionalLong keyedValue(Path file, String key) {
        return read(file).lines()
                .map(line -> line.split(" "))
                .filter(fields -> fields.length == 2 && fields[0].equals(key))
                .mapToLong(fields -> Long.parseLong(fields[1]))
                .findFirst();
    }

    /** SIGKILLs whatever is in the cgroup until it is empty, then removes it; logs if it will not go. */
    static void killAndRemove(Path dir) {
        long deadline = System.nanoTime() + REMOVE_TIMEOUT.toNanos();
        while (true) {
            try {
                killAll(dir.resolve("cgroup.procs"));
                Files.deleteIfExists(dir);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (FileSystemException e) {
                if (System.nanoTime() > deadline) {
                    LOG.log(Level.WARNING, "cgroup {0} still busy after {1}; left behind: {2}",
                            dir, REMOVE_TIMEOUT, e.getMessage());
                    return;
                }
                if (!pause()) {
                    LOG.log(Level.WARNING, "interrupted while removing cgroup {0}; left behind", dir);
                    return;
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot remove cgroup {0}: {1}", dir, e.getMessage());
                return;
            }
        }
    }

    private static void killAll(Path procsFile) throws IOException {
        List<String> pids = Files.readAllLines(procsFile);
        for (String pid : pids) {
            ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(REMOVE_RETRY);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
