package dev.aloft.server.runtimeapi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The Runtime API's one thread: it waits on every runtime's connection at once and handles what
 * arrives. One platform thread woken by epoll replaces a virtual thread per connection, each
 * woken through the JDK's poller and then a carrier: a warm invocation wakes it once.
 */
final class RuntimeApiLoop implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RuntimeApiLoop.class.getName());

    private final Selector selector;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closing;

    RuntimeApiLoop() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        thread = Thread.ofPlatform().name("runtime-api").daemon().unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    SelectionKey register(SelectableChannel channel, Object attachment) throws IOException {
        channel.configureBlocking(false);
        return channel.register(selector, SelectionKey.OP_READ, attachment);
    }

    /** Registers a listening socket; {@code accept} runs on the loop when a connection waits. */
    SelectionKey registerAcceptor(SelectableChannel channel, Runnable accept) throws IOException {
        channel.configureBlocking(false);
        return channel.register(selector, SelectionKey.OP_ACCEPT, accept);
    }

    /** Changes what the loop waits for on {@code key}; from any thread. */
    void setInterest(SelectionKey key, int ops) {
        try {
            key.interestOps(ops);
        } catch (java.nio.channels.CancelledKeyException e) {
            return;
        }
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    /** Runs {@code task} on the loop. */
    void run(Runnable task) {
        tasks.add(task);
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    private void loop() {
        Consumer<SelectionKey> ready = this::ready;
        while (!closing) {
            for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                runSafely(task);
            }
            try {
                selector.select(ready);
            } catch (IOException e) {
                LOG.log(Level.ERROR, "Runtime API selector failed", e);
                return;
            }
        }
    }

    private void ready(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        Object attachment = key.attachment();
        if (attachment instanceof RuntimeConnection connection) {
            int ops = key.readyOps();
            if ((ops & SelectionKey.OP_WRITE) != 0) {
                runSafely(connection::writable);
            }
            if ((ops & SelectionKey.OP_READ) != 0 && key.isValid()) {
                runSafely(connection::readable);
            }
        } else {
            runSafely((Runnable) attachment);
        }
    }

    /** One connection's failure must not stop the loop every instance depends on. */
    private static void runSafely(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            try {
                LOG.log(Level.ERROR, "Runtime API call failed", e);
            } catch (RuntimeException | Error logging) {
                // Logging failed too (out of file descriptors, a logger loading a class): the loop goes on.
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            try {
                key.channel().close();
            } catch (IOException e) {
                // Closing is all that was left to do with it.
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // Nothing is left open on it.
        }
    }
}
