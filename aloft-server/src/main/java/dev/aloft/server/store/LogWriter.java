package dev.aloft.server.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Collects log lines from instance output and stores them in batches, off the invocation path:
 * one insert transaction per batch instead of one per line.
 */
public final class LogWriter implements AutoCloseable {

    private static final int MAX_BATCH = 500;
    private static final Duration FLUSH_INTERVAL = Duration.ofMillis(100);

    private final LogStore store;
    private final LinkedBlockingQueue<LogLine> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final Thread flusher;
    private volatile boolean closed;

    public LogWriter(LogStore store) {
        this.store = store;
        this.flusher = Thread.ofVirtual().name("log-writer").start(this::run);
    }

    public void append(LogLine line) {
        queue.add(line);
    }

    /** Stores everything appended so far; readers call this so they see the latest lines. */
    public void flush() {
        flushLock.lock();
        try {
            List<LogLine> batch = new ArrayList<>();
            while (queue.drainTo(batch, MAX_BATCH) > 0) {
                store.append(batch);
                batch.clear();
            }
        } finally {
            flushLock.unlock();
        }
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(FLUSH_INTERVAL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            flush();
        }
    }

    @Override
    public void close() {
        closed = true;
        flusher.interrupt();
        try {
            flusher.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
    }
}
