import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The floor of the design: the least any platform can spend passing each HTTP request through a
 * function process that speaks the Lambda Runtime API. One selector thread serves both sides: the
 * callers' HTTP/1.1 connections and the runtimes' Runtime API connections, with no routing,
 * sandbox, ledger, auth, metering, logs or JSON parsing (the handler's result goes back as the
 * body as it came). It starts INSTANCES Aloft Node.js runtime clients (runtimes/nodejs) with the
 * benchmark's hello handler. A benchmark against it says what the process hop itself costs, so
 * Aloft's distance to a target splits into the design's share and Aloft's own.
 *
 * <p>Usage: {@code java bench/tools/RuntimeApiFloor.java PORT [INSTANCES=2]} from the repository root.
 * It runs until killed (its runtimes with it).
 */
public final class RuntimeApiFloor {

    private final Selector selector;
    /** Caller requests not yet handed to a runtime, oldest first. */
    private final ArrayDeque<Caller> queued = new ArrayDeque<>();
    /** Runtime connections whose /next waits for an event. */
    private final ArrayDeque<Conn> waitingRuntimes = new ArrayDeque<>();
    /** Events handed to a runtime and not answered yet, by request id. */
    private final Map<String, Caller> inFlight = new HashMap<>();
    private long nextId;

    private record Caller(Conn connection, String path) {}

    /** A connection of either side: bytes read but not yet used, and bytes not yet written. */
    private static final class Conn {
        final SocketChannel channel;
        final boolean runtime;
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        ByteBuffer out;
        SelectionKey key;

        Conn(SocketChannel channel, boolean runtime) {
            this.channel = channel;
            this.runtime = runtime;
        }
    }

    private RuntimeApiFloor() throws IOException {
        selector = Selector.open();
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int instances = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        RuntimeApiFloor floor = new RuntimeApiFloor();
        int runtimePort = floor.listen(0, true);
        floor.listen(port, false);
        List<Process> runtimes = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            ProcessBuilder runtime = new ProcessBuilder("node", new File("runtimes/nodejs/bootstrap.mjs").getAbsolutePath())
                    .inheritIO();
            runtime.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + runtimePort);
            runtime.environment().put("_HANDLER", "index.handler");
            runtime.environment().put("LAMBDA_TASK_ROOT", new File("bench/functions/hello-node").getAbsolutePath());
            runtimes.add(runtime.start());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtimes.forEach(Process::destroy)));
        System.out.println("runtime API floor on " + port + " with " + instances + " node instances");
        floor.run();
    }

    private int listen(int port, boolean runtime) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 512);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT, runtime);
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    private void run() throws IOException {
        while (true) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                if (!key.isValid()) {
                    continue;
                }
                if (key.isAcceptable()) {
                    accept(key);
                    continue;
                }
                Conn conn = (Conn) key.attachment();
                try {
                    if (key.isWritable()) {
                        flush(conn);
                    }
                    if (key.isValid() && key.isReadable()) {
                        read(conn);
                    }
                } catch (IOException e) {
                    close(conn);
                }
            }
            selector.selectedKeys().clear();
        }
    }

    private void accept(SelectionKey key) throws IOException {
        SocketChannel channel = ((ServerSocketChannel) key.channel()).accept();
        if (channel == null) {
            return;
        }
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Conn conn = new Conn(channel, (Boolean) key.attachment());
        conn.key = channel.register(selector, SelectionKey.OP_READ, conn);
    }

    private void close(Conn conn) throws IOException {
        conn.key.cancel();
        conn.channel.close();
        waitingRuntimes.remove(conn);
    }

    private void read(Conn conn) throws IOException {
        if (!conn.in.hasRemaining()) {
            throw new IOException("request too large for the floor");
        }
        if (conn.channel.read(conn.in) < 0) {
            close(conn);
            return;
        }
        conn.in.flip();
        while (true) {
            int headEnd = indexOfBlankLine(conn.in);
            if (headEnd < 0) {
                break;
            }
            String head = StandardCharsets.ISO_8859_1.decode(conn.in.slice(conn.in.position(), headEnd - conn.in.position())).toString();
            int bodyLength = contentLength(head);
            int end = headEnd + 4 + bodyLength;
            if (conn.in.limit() < end) {
                break;
            }
            byte[] body = new byte[bodyLength];
            conn.in.get(headEnd + 4, body);
            conn.in.position(end);
            String target = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
            if (conn.runtime) {
                runtimeRequest(conn, target, body);
            } else {
                callerRequest(conn, target);
            }
        }
        conn.in.compact();
    }

    private void callerRequest(Conn conn, String path) throws IOException {
        Caller caller = new Caller(conn, path);
        Conn runtime = waitingRuntimes.poll();
        if (runtime == null) {
            queued.add(caller);
        } else {
            sendEvent(runtime, caller);
        }
    }

    private void runtimeRequest(Conn conn, String target, byte[] body) throws IOException {
        if (target.endsWith("/invocation/next")) {
            Caller caller = queued.poll();
            if (caller == null) {
                waitingRuntimes.add(conn);
            } else {
                sendEvent(conn, caller);
            }
            return;
        }
        // POST .../invocation/{id}/response: the caller gets the result as it came.
        String id = target.substring(target.indexOf("/invocation/") + 12, target.lastIndexOf('/'));
        Caller caller = inFlight.remove(id);
        send(conn, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", null);
        if (caller != null) {
            send(caller.connection(), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n", body);
        }
    }

    /** Answers the runtime's waiting /next with an HTTP API 2.0 event for the caller's request. */
    private void sendEvent(Conn runtime, Caller caller) throws IOException {
        String id = Long.toString(++nextId);
        inFlight.put(id, caller);
        long now = System.currentTimeMillis();
        byte[] event = ("{\"version\":\"2.0\",\"routeKey\":\"$default\",\"rawPath\":\"" + caller.path()
                + "\",\"rawQueryString\":\"\",\"headers\":{\"host\":\"127.0.0.1\"},\"requestContext\":{\"http\":{\"method\":\"GET\",\"path\":\""
                + caller.path() + "\",\"protocol\":\"HTTP/1.1\",\"sourceIp\":\"127.0.0.1\"},\"requestId\":\"" + id
                + "\",\"timeEpoch\":" + now + "},\"isBase64Encoded\":false}").getBytes(StandardCharsets.UTF_8);
        send(runtime, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: " + id
                + "\r\nLambda-Runtime-Deadline-Ms: " + (now + 30_000)
                + "\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:local:0:function:hello\r\nContent-Length: "
                + event.length + "\r\n\r\n", event);
    }

    private void send(Conn conn, String head, byte[] body) throws IOException {
        byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer bytes = ByteBuffer.allocate(headBytes.length + (body == null ? 0 : body.length)).put(headBytes);
        if (body != null) {
            bytes.put(body);
        }
        bytes.flip();
        if (conn.out != null) {
            conn.out = ByteBuffer.allocate(conn.out.remaining() + bytes.remaining()).put(conn.out).put(bytes).flip();
            return;
        }
        conn.channel.write(bytes);
        if (bytes.hasRemaining()) {
            conn.out = bytes;
            conn.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    private void flush(Conn conn) throws IOException {
        conn.channel.write(conn.out);
        if (!conn.out.hasRemaining()) {
            conn.out = null;
            conn.key.interestOps(SelectionKey.OP_READ);
        }
    }

    private static int indexOfBlankLine(ByteBuffer buffer) {
        for (int i = buffer.position(); i + 3 < buffer.limit(); i++) {
            if (buffer.get(i) == '\r' && buffer.get(i + 1) == '\n' && buffer.get(i + 2) == '\r' && buffer.get(i + 3) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }
}
