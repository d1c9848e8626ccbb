package dev.aloft.server.instances;

import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.LogLine;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads one output stream of an instance line by line and stores each line with the invocation
 * the instance was serving when it printed it. A prewarmed process has no instance until it is
 * bound to a function: its first lines wait (a few) until then.
 */
final class LogPump {

    /** Longer lines are cut; a runaway print must not exhaust the platform's memory. */
    static final int MAX_LINE_BYTES = 16 * 1024;
    private static final long PUMP_STACK_BYTES = 256 * 1024;
    private static final int MAX_UNATTRIBUTED_LINES = 20;

    /** Lines printed before {@link #attach}; guarded by itself, as is {@link #instance}. */
    private final Deque<String> unattributed = new ArrayDeque<>();
    private Instance instance;
    private final InputStream stream;
    private final String streamName;
    private final BatchWriter<LogLine> writer;
    private final InstantSource clock;
    /** Our read end of the pipe, opened a second time, unbuffered: read from, and asked how many bytes wait. */
    private final Optional<FileInputStream> probe;
    /** True while bytes read from the pipe are not yet handed to the writer; guarded by drainLock. */
    private boolean busy;
    private final ReentrantLock drainLock = new ReentrantLock();
    private final Condition chunkHandled = drainLock.newCondition();

    private LogPump(InputStream stream, String streamName, BatchWriter<LogLine> writer,
                    InstantSource clock, Optional<FileInputStream> probe) {
        this.stream = stream;
        this.streamName = streamName;
        this.writer = writer;
        this.clock = clock;
        this.probe = probe;
    }

    /**
     * Starts pumping file descriptor {@code fd} (1 or 2) of {@code process} from {@code stream};
     * lines are stored once the pump is {@link #attach attached} to the instance they belong to.
     */
    static LogPump start(String instanceId, Process process, int fd, InputStream stream, String streamName,
                         BatchWriter<LogLine> writer, InstantSource clock) {
        LogPump pump = new LogPump(stream, streamName, writer, clock, openProbe(process, fd));
        // A platform thread: a virtual thread blocked reading a pipe holds a carrier thread, and
        // with two pumps per instance ~128 idle instances would take every carrier and stall the server.
        Thread.ofPlatform().daemon().stackSize(PUMP_STACK_BYTES).name("log-" + instanceId + "-" + streamName).start(pump::run);
        return pump;
    }

    /** From now on lines belong to {@code owner}; those printed so far are stored with it too. */
    void attach(Instance owner) {
        synchronized (unattributed) {
            instance = owner;
            unattributed.forEach(this::store);
            unattributed.clear();
        }
    }

    /**
     * Waits (boundedly) until every byte the process wrote so far is read and handed on. A runtime
     * prints its lines before it answers, so after this its answer's lines are attributed to it.
     */
    void awaitDrained(Duration atMost) {
        if (probe.isEmpty()) {
            return;
        }
        long remaining = atMost.toNanos();
        drainLock.lock();
        try {
            while ((busy || probe.get().available() > 0) && remaining > 0) {
                remaining = chunkHandled.awaitNanos(remaining);
            }
        } catch (IOException e) {
            // The pipe is gone with the process; nothing more can arrive.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            drainLock.unlock();
        }
    }

    private void run() {
        // Reads the probe (our end of the pipe, unbuffered) where there is one, and one byte first:
        // the rest of a chunk stays in the pipe, where awaitDrained sees it, until this thread has
        // marked itself busy. A bulk read took whole chunks out unseen, and a pump descheduled
        // right after it let an answer overtake its own log lines.
        InputStream source = probe.<InputStream>map(fd -> fd).orElse(stream);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (stream) {
            int first;
            while ((first = source.read()) >= 0) {
                setBusy(true);
                take(line, (byte) first);
                int n;
                while (source.available() > 0 && (n = source.read(buffer)) > 0) {
                    for (int i = 0; i < n; i++) {
                        take(line, buffer[i]);
                    }
                }
                setBusy(false);
            }
        } catch (IOException e) {
            // The process is gone; whatever it printed before has been stored.
        } finally {
            if (line.size() > 0) {
                emit(line);
            }
            setBusy(false);
            probe.ifPresent(LogPump::closeQuietly);
        }
    }

    private void take(ByteArrayOutputStream line, byte b) {
        if (b == '\n') {
            emit(line);
        } else if (line.size() < MAX_LINE_BYTES) {
            line.write(b);
        }
    }

    private void setBusy(boolean value) {
        drainLock.lock();
        try {
            busy = value;
            if (!value) {
                chunkHandled.signalAll();
            }
        } finally {
            drainLock.unlock();
        }
    }

    private void emit(ByteArrayOutputStream line) {
        String text = line.toString(StandardCharsets.UTF_8);
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        line.reset();
        synchronized (unattributed) {
            if (instance == null) {
                if (unattributed.size() < MAX_UNATTRIBUTED_LINES) {
                    unattributed.addLast(text);
                }
                return;
            }
        }
        store(text);
    }

    private void store(String text) {
        writer.append(new LogLine(0, instance.function().name(), instance.logInvocationId(), clock.instant(), streamName, text));
        instance.printed(text);
    }

    /**
     * Finds our end of the child's pipe through /proc (Linux) and opens it again: FIONREAD on it
     * tells what is still unread without taking anything. Empty where /proc does not offer this.
     */
    private static Optional<FileInputStream> openProbe(Process process, int fd) {
        try {
            String pipe = Files.readSymbolicLink(Path.of("/proc", Long.toString(process.pid()), "fd", Integer.toString(fd))).toString();
            if (!pipe.startsWith("pipe:")) {
                return Optional.empty();
            }
            try (DirectoryStream<Path> ours = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path candidate : ours) {
                    if (pipe.equals(readLink(candidate))) {
                        return Optional.of(new FileInputStream(candidate.toFile()));
                    }
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // No /proc: lines may then trail their invocation's answer by a moment.
        }
        return Optional.empty();
    }

    private static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(FileInputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // Only a probe; nothing to lose.
        }
    }
}
