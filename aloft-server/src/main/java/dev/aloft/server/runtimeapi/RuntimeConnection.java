package dev.aloft.server.runtimeapi;

import dev.aloft.server.runtimeapi.RequestParser.BadRequest;
import dev.aloft.server.runtimeapi.RequestParser.Request;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

/**
 * One runtime's connection to the Runtime API. The event loop reads and parses its requests and
 * passes them on one at a time: the next is read only once the one before is answered, so
 * answers go out in order. An answer may come from any thread (an invocation handed to an idle
 * instance is written by its caller's thread); what the loop answers while it handles a batch of
 * requests goes out in one write at the end, so the 202 for a result and the next event reach
 * the runtime together.
 */
final class RuntimeConnection {

    /**
     * How much of later requests may wait while one awaits its answer: a runtime sends at most its
     * answer and the next {@code /next} ahead; more is a runtime flooding the server's memory.
     */
    private static final int MAX_BYTES_AHEAD = RuntimeApiServer.MAX_RESPONSE_BYTES + 64 * 1024;
    private static final ByteBuffer CONTINUE = ByteBuffer.wrap("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

    private final SocketChannel channel;
    private final SelectionKey key;
    private final RuntimeApiLoop loop;
    private final RequestParser parser;
    private final BiConsumer<RuntimeConnection, Request> dispatch;

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<ByteBuffer> unwritten = new ArrayDeque<>();
    /** A request was passed on and is not answered yet. */
    private boolean awaitingAnswer;
    /** Bytes of later requests arrived while one awaited its answer. */
    private boolean bytesWaiting;
    /** The loop is handling this connection's requests: answers collect until it is done. */
    private boolean corked;
    private boolean writeInterest;
    private boolean closeWhenWritten;
    private boolean closed;

    RuntimeConnection(SocketChannel channel, RuntimeApiLoop loop, int maxBodyBytes,
            BiConsumer<RuntimeConnection, Request> dispatch) throws IOException {
        this.channel = channel;
        this.loop = loop;
        this.parser = new RequestParser(maxBodyBytes);
        this.dispatch = dispatch;
        this.key = loop.register(channel, this);
    }

    /** On the loop: bytes arrived. */
    void readable() {
        int count;
        try {
            count = channel.read(parser.readSpace());
        } catch (IOException e) {
            close();
            return;
        }
        if (count < 0) {
            close();
            return;
        }
        parser.received(count);
        if (parser.unparsedBytes() > MAX_BYTES_AHEAD) {
            // Only a request awaiting its answer leaves bytes unparsed; the parser drops an over-long body as it goes.
            close();
            return;
        }
        handleRequests();
    }

    /** On the loop: the socket takes bytes again. */
    void writable() {
        lock.lock();
        try {
            flush();
        } finally {
            lock.unlock();
        }
    }

    /** On the loop: passes on the requests received, one at a time, until one awaits its answer. */
    void handleRequests() {
        lock.lock();
        corked = true;
        lock.unlock();
        try {
            while (true) {
                lock.lock();
                try {
                    if (closed) {
                        return;
                    }
                    if (awaitingAnswer) {
                        bytesWaiting = parser.hasUnparsed();
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                Request request = parser.next();
                if (parser.takeContinueWanted()) {
                    queue(CONTINUE.duplicate());
                }
                if (request == null) {
                    return;
                }
                lock.lock();
                awaitingAnswer = true;
                closeWhenWritten = !request.head().keepAlive();
                lock.unlock();
                dispatch.accept(this, request);
            }
        } catch (BadRequest e) {
            lock.lock();
            closeWhenWritten = true;
            lock.unlock();
            answer(RuntimeResponses.error(e.status, "BadRequest", e.getMessage()));
        } finally {
            lock.lock();
            try {
                corked = false;
                flush();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Answers the request awaiting its answer; from any thread. False when the connection is closed
     * (or its write failed): the answer is lost. True does not promise the runtime read it: a peer's
     * close that the loop has not seen yet still takes the bytes into the socket's buffer.
     */
    boolean answer(ByteBuffer... response) {
        boolean resume;
        boolean delivered;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            for (ByteBuffer part : response) {
                unwritten.addLast(part);
            }
            awaitingAnswer = false;
            if (!corked) {
                flush();
            }
            delivered = !closed;
            resume = bytesWaiting && !closed;
            bytesWaiting = false;
        } finally {
            lock.unlock();
        }
        if (resume) {
            loop.run(this::handleRequests);
        }
        return delivered;
    }

    private void queue(ByteBuffer bytes) {
        lock.lock();
        try {
            unwritten.addLast(bytes);
        } finally {
            lock.unlock();
        }
    }

    /** Writes what it can without blocking; the loop writes the rest when the socket takes it. Under the lock. */
    private void flush() {
        if (closed) {
            return;
        }
        try {
            while (!unwritten.isEmpty()) {
                ByteBuffer[] parts = unwritten.toArray(ByteBuffer[]::new);
                if (channel.write(parts) == 0 && parts[0].hasRemaining()) {
                    break;
                }
                while (!unwritten.isEmpty() && !unwritten.peekFirst().hasRemaining()) {
                    unwritten.removeFirst();
                }
            }
        } catch (IOException e) {
            closeLocked();
            return;
        }
        boolean wantWrite = !unwritten.isEmpty();
        if (!wantWrite && closeWhenWritten && !awaitingAnswer) {
            closeLocked();
            return;
        }
        if (wantWrite != writeInterest) {
            writeInterest = wantWrite;
            loop.setInterest(key, wantWrite ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
    }

    void close() {
        lock.lock();
        try {
            closeLocked();
        } finally {
            lock.unlock();
        }
    }

    private void closeLocked() {
        if (closed) {
            return;
        }
        closed = true;
        unwritten.clear();
        key.cancel();
        try {
            channel.close();
        } catch (IOException e) {
            // Closing is all that was left to do with it.
        }
    }
}
