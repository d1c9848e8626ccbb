package dev.aloft.server.instances;

import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.LogLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
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
    /** Our end of the pipe, read unbuffered: it tells how many bytes wait, and waits for some without taking any. */
    private final Optional<PipeProbe> probe;
    /** True while bytes read from the pipe are not yet handed to the writer; guarded by drainLock. */
    private boolean busy;
    private final ReentrantLock drainLock = new ReentrantLock();
    private final Condition chunkHandled = drainLock.newCondition();

    private LogPump(InputStream stream, String streamName, BatchWriter<LogLine> writer,
                    InstantSource clock, Optional<PipeProbe> probe) {
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
        LogPump pump = new LogPump(stream, streamName, writer, clock, PipeProbe.open(process, fd));
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
     * Whether every byte written so far to the pipes of {@code pumps} is read and handed on, in one
     * poll(2) that does not wait (two FIONREADs per pipe cost the warm path 4 system calls).
     */
    static boolean allDrained(List<LogPump> pumps) {
        List<PipeProbe> probes = new ArrayList<>(pumps.size());
        for (LogPump pump : pumps) {
            pump.probe.ifPresent(probes::add);
        }
        // The pipes first: a pump marks itself busy before it takes a byte, so bytes no longer in
        // a pipe are in a pump that is still busy, or handed on.
        if (PipeProbe.anyReadable(probes)) {
            return false;
        }
        for (LogPump pump : pumps) {
            if (pump.probe.isPresent() && pump.busy()) {
                return false;
            }
        }
        return true;
    }

    private boolean busy() {
        drainLock.lock();
        try {
            return busy;
        } finally {
            drainLock.unlock();
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
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (stream) {
            while (readChunk(line, buffer)) {
                setBusy(false);
            }
            // When the process exits the JDK drains its pipe into the process's own stream: a tail
            // the probe did not get may wait there.
            for (int n = stream.read(buffer); n > 0; n = stream.read(buffer)) {
                takeAll(line, buffer, n);
            }
        } catch (IOException e) {
            // The process is gone; whatever it printed before has been stored.
        } finally {
            if (line.size() > 0) {
                emit(line);
            }
            setBusy(false);
            probe.ifPresent(PipeProbe::close);
        }
    }

    /**
     * Takes what the process wrote next, marked busy from before any byte leaves the pipe: a pump
     * that took a chunk and was descheduled before marking itself let an answer overtake its own
     * log lines. Returns false at the end of the output.
     */
    private boolean readChunk(ByteArrayOutputStream line, byte[] buffer) throws IOException {
        int n;
        if (probe.isPresent() && probe.get().awaitReadable()) {
            setBusy(true);
            n = probe.get().read(buffer);
        } else {
            // Without poll(2): one byte first, so the rest of the chunk stays visible in the pipe.
            int first = probe.isPresent() ? probe.get().read() : stream.read();
            setBusy(true);
            if (first < 0) {
                return false;
            }
            take(line, (byte) first);
            n = 0;
        }
        if (n < 0) {
            return false;
        }
        takeAll(line, buffer, n);
        return drainAvailable(line, buffer);
    }

    /** Takes the bytes already waiting, without blocking; false at the end of the output. */
    private boolean drainAvailable(ByteArrayOutputStream line, byte[] buffer) throws IOException {
        while (waiting() > 0) {
            int n = probe.isPresent() ? probe.get().read(buffer) : stream.read(buffer);
            if (n < 0) {
                return false;
            }
            takeAll(line, buffer, n);
        }
        return true;
    }

    /** Bytes waiting to be read, from whichever end the pump reads. */
    private int waiting() throws IOException {
        return probe.isPresent() ? probe.get().available() : stream.available();
    }

    private void takeAll(ByteArrayOutputStream line, byte[] buffer, int n) {
        for (int i = 0; i < n; i++) {
            take(line, buffer[i]);
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
}
