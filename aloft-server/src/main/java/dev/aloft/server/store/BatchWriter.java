package dev.aloft.server.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Stores items (log lines, ledger records) in batches, off the invocation path: one insert
 * transaction per batch instead of one per item. Items are stored in the order they were added.
 */
public final class BatchWriter<T> implements AutoCloseable {

    private static final int MAX_BATCH = 500;
    private static final Duration FLUSH_INTERVAL = Duration.ofMillis(100);

    private final Consumer<List<T>> sink;
    private final LinkedBlockingQueue<T> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final Thread flusher;
    private volatile boolean closed;

    /** @param sink stores one batch, in one transaction */
    public BatchWriter(String name, Consumer<List<T>> sink) {
        this.sink = sink;
        // A platform thread: SQLite runs in native code, which pins a virtual thread's carrier for the
        // whole commit; two writers committing at once held both carriers of a 2-core node and
        // stalled every request for that long (p99 of ~100 ms under load).
        this.flusher = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    public void append(T item) {
        queue.add(item);
    }

    /** Stores everything appended so far; readers call this so they see the latest items. */
    public void flush() {
        flushLock.lock();
        try {
            List<T> batch = new ArrayList<>();
            while (queue.drainTo(batch, MAX_BATCH) > 0) {
                sink.accept(batch);
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
