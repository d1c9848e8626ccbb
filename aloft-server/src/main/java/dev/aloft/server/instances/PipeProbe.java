package dev.aloft.server.instances;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Our own read end of a child's output pipe, opened a second time (Linux, through the child's
 * {@code /proc/PID/fd}) and read unbuffered: it can say how many bytes wait (FIONREAD) and wait
 * until some do without taking any (poll(2)), so a reader can mark itself busy before it takes
 * bytes out of the pipe. Reads, like the rest, are system calls on that descriptor: Java's streams
 * do not tell their descriptor's number, and finding ours among {@code /proc/self/fd} took a
 * {@code readlink} per open descriptor, per pipe, per start (13% of the server's CPU in a burst
 * with 2,000 client connections open, bench/HISTORY.md round 20).
 */
// These are downcalls, restricted methods: the server runs with --enable-native-access already (SQLite).
@SuppressWarnings("restricted")
final class PipeProbe implements AutoCloseable {

    private static final short POLLIN = 0x1;
    private static final int O_RDONLY = 0;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final long FIONREAD = 0x541B;
    private static final int EINTR = 4;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** int poll(struct pollfd *fds, nfds_t nfds, int timeout) */
    private static final MethodHandle POLL = downcall("poll",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    /** int open(const char *path, int flags) */
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
    /** int fcntl(int fd, int cmd, int arg) */
    private static final MethodHandle FCNTL = downcall("fcntl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    /** int ioctl(int fd, unsigned long request, int *count) */
    private static final MethodHandle IOCTL = downcall("ioctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));
    /** ssize_t read(int fd, void *buf, size_t count), with errno captured for EINTR */
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            ERRNO);
    /** int close(int fd) */
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    /**
     * Ours alone; -1 once closed. Changed under this, and read under it by {@link #available} (any
     * thread); the pump's thread reads and closes, so its reads never meet a closed descriptor.
     */
    private volatile int fd;

    private PipeProbe(int fd) {
        this.fd = fd;
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.defaultLookup().find(name).map(symbol -> LINKER.downcallHandle(symbol, descriptor, options)).orElse(null);
    }

    /** Opens our own read end of fd {@code childFd} of {@code process}; empty where /proc or the C library does not offer it. */
    static Optional<PipeProbe> open(Process process, int childFd) {
        if (POLL == null || OPEN == null || FCNTL == null || IOCTL == null || READ == null || CLOSE == null) {
            return Optional.empty();
        }
        Path child = Path.of("/proc", Long.toString(process.pid()), "fd", Integer.toString(childFd));
        try {
            if (!Files.readSymbolicLink(child).toString().startsWith("pipe:")) {
                return Optional.empty();
            }
        } catch (IOException | UnsupportedOperationException e) {
            // No /proc: lines may then trail their invocation's answer by a moment.
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            // Non-blocking: opening a pipe for reading otherwise waits for a writer, and the child,
            // its only one, may have exited just now. Reads block again once it is open.
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(child.toString()), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) {
                return Optional.empty();
            }
            int flags = (int) FCNTL.invokeExact(fd, F_GETFL, 0);
            if (flags < 0 || (int) FCNTL.invokeExact(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
                int ignored = (int) CLOSE.invokeExact(fd);
                return Optional.empty();
            }
            return Optional.of(new PipeProbe(fd));
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            return Optional.empty();
        }
    }

    /**
     * Whether any of {@code probes} has bytes waiting (or lost its writers), asked of all in one
     * poll(2) that does not wait.
     */
    static boolean anyReadable(List<PipeProbe> probes) {
        if (probes.isEmpty()) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfds = arena.allocate(8L * probes.size(), 4);
            for (int i = 0; i < probes.size(); i++) {
                // A probe closed meanwhile is -1, which poll(2) skips.
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

    /** Bytes waiting in the pipe, none taken. Any thread may ask, also while the pump reads. */
    synchronized int available() throws IOException {
        if (fd < 0) {
            throw new IOException("pipe probe closed");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            if ((int) IOCTL.invokeExact(fd, FIONREAD, count) < 0) {
                throw new IOException("FIONREAD failed on the pipe");
            }
            return count.get(ValueLayout.JAVA_INT, 0);
        } catch (IOException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    /** Reads what is there, at most {@code buffer.length} bytes, blocking until there is some; -1 at the end. */
    int read(byte[] buffer) throws IOException {
        return read(buffer, buffer.length);
    }

    /** One byte, blocking until there is one; -1 at the end. */
    int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 1) < 0 ? -1 : one[0] & 0xff;
    }

    private int read(byte[] buffer, int length) throws IOException {
        int descriptor = fd;
        if (descriptor < 0) {
            throw new IOException("pipe probe closed");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(length);
            MemorySegment callState = arena.allocate(CALL_STATE);
            while (true) {
                long n = (long) READ.invokeExact(callState, descriptor, bytes, (long) length);
                if (n > 0) {
                    MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, 0, buffer, 0, (int) n);
                    return (int) n;
                }
                if (n == 0) {
                    return -1;
                }
                if ((int) ERRNO_VALUE.get(callState, 0L) != EINTR) {
                    throw new IOException("read from the pipe failed, errno " + (int) ERRNO_VALUE.get(callState, 0L));
                }
            }
        } catch (IOException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    /**
     * Blocks until the pipe has bytes or its writers are gone, taking nothing. Returns false when
     * poll(2) fails as a call; the caller then blocks in {@link #read} instead.
     */
    boolean awaitReadable() {
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
    public synchronized void close() {
        int closing = fd;
        if (closing < 0) {
            return;
        }
        fd = -1;
        try {
            int ignored = (int) CLOSE.invokeExact(closing);
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            // Only a probe; nothing to lose.
        }
    }
}
