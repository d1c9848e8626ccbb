package dev.aloft.server.instances;

import java.io.FileInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Our read end of a child's output pipe, opened a second time (Linux, through /proc) and read
 * unbuffered: it can say how many bytes wait (FIONREAD) and wait until some do without taking any
 * (poll(2)), so a reader can mark itself busy before it takes bytes out of the pipe.
 */
// poll(2) is a downcall, a restricted method: the server runs with --enable-native-access already (SQLite).
@SuppressWarnings("restricted")
final class PipeProbe implements AutoCloseable {

    private static final short POLLIN = 0x1;
    /** int poll(struct pollfd *fds, nfds_t nfds, int timeout); null where the C library lacks it. */
    private static final MethodHandle POLL = Linker.nativeLinker().defaultLookup().find("poll")
            .map(poll -> Linker.nativeLinker().downcallHandle(poll, FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
            .orElse(null);

    private final FileInputStream in;
    /** The server's original descriptor of the same pipe: what poll(2) watches. */
    private final int fd;

    private PipeProbe(FileInputStream in, int fd) {
        this.in = in;
        this.fd = fd;
    }

    /** Finds our end of fd {@code childFd} of {@code process}; empty where /proc does not offer it. */
    static Optional<PipeProbe> open(Process process, int childFd) {
        try {
            String pipe = Files.readSymbolicLink(Path.of("/proc", Long.toString(process.pid()), "fd",
                    Integer.toString(childFd))).toString();
            if (!pipe.startsWith("pipe:")) {
                return Optional.empty();
            }
            try (DirectoryStream<Path> ours = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path candidate : ours) {
                    if (pipe.equals(readLink(candidate))) {
                        return Optional.of(new PipeProbe(new FileInputStream(candidate.toFile()),
                                Integer.parseInt(candidate.getFileName().toString())));
                    }
                }
            }
        } catch (IOException | UnsupportedOperationException | NumberFormatException e) {
            // No /proc: lines may then trail their invocation's answer by a moment.
        }
        return Optional.empty();
    }

    /**
     * Whether any of {@code probes} has bytes waiting (or lost its writers), asked of all in one
     * poll(2) that does not wait.
     */
    static boolean anyReadable(List<PipeProbe> probes) {
        if (probes.isEmpty()) {
            return false;
        }
        if (POLL != null) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pollfds = arena.allocate(8L * probes.size(), 4);
                for (int i = 0; i < probes.size(); i++) {
                    pollfds.set(ValueLayout.JAVA_INT, 8L * i, probes.get(i).fd);
                    pollfds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, POLLIN);
                }
                // Negative (interrupted): count it as readable; the caller then waits the careful way.
                return (int) POLL.invokeExact(pollfds, (long) probes.size(), 0) != 0;
            } catch (Error e) {
                throw e;
            } catch (Throwable e) {
                // The downcall failed as a call; ask each pipe instead.
            }
        }
        for (PipeProbe probe : probes) {
            try {
                if (probe.available() > 0) {
                    return true;
                }
            } catch (IOException e) {
                // Gone with the process: nothing more can arrive there.
            }
        }
        return false;
    }

    /** Bytes waiting in the pipe, none taken. */
    int available() throws IOException {
        return in.available();
    }

    int read(byte[] buffer) throws IOException {
        return in.read(buffer);
    }

    /** One byte, blocking until there is one; -1 at the end. */
    int read() throws IOException {
        return in.read();
    }

    /**
     * Blocks until the pipe has bytes or its writers are gone, taking nothing. Returns false where
     * poll(2) cannot be called; the caller then blocks in {@link #read} instead.
     */
    boolean awaitReadable() {
        if (POLL == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4); // struct pollfd { int fd; short events; short revents; }
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            for (int attempt = 0; attempt < 100; attempt++) {
                // Negative: interrupted by a signal (EINTR), so ask again; 1: readable or hung up.
                if ((int) POLL.invokeExact(pollfd, 1L, -1) > 0) {
                    return true;
                }
            }
            return false;
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            // The downcall failed as a call (not as poll); a blocking read does the waiting instead.
            return false;
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // Only a probe; nothing to lose.
        }
    }

    private static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "";
        }
    }
}
