package dev.aloft.runtime;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over one kept-alive socket: all a runtime client needs. java.net.http costs a selector
 * thread, async plumbing and far more CPU per exchange; on a busy node that CPU is the warm path's
 * latency. Several requests can go out in one write and be answered in order (pipelining), so an
 * invocation's result and the request for the next one cost one write and one wake-up of the server.
 */
final class RuntimeConnection implements AutoCloseable {

    /** A request to send; {@code body} may be null. */
    record Request(String method, String path, byte[] body, Map<String, String> headers) {
    }

    /** An answer; header names are lower-case. */
    record Response(int status, Map<String, String> headers, byte[] body) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** @param hostPort {@code host:port} of the Runtime API */
    RuntimeConnection(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new RuntimeSetupException("AWS_LAMBDA_RUNTIME_API must be host:port[/prefix], got '" + hostPort + "'");
        }
        this.host = hostPort.substring(0, colon);
        this.port = Integer.parseInt(hostPort.substring(colon + 1));
    }

    /**
     * Sends the requests in one write and reads their answers, in order, without a timeout (a long
     * poll may wait for hours). A kept-alive socket the server closed meanwhile is replaced once:
     * the requests it did not answer never reached it.
     */
    synchronized List<Response> exchange(Request... requests) throws IOException {
        boolean reused = socket != null;
        List<Response> responses = new ArrayList<>(requests.length);
        try {
            send(requests, responses);
        } catch (IOException e) {
            close();
            if (!reused) {
                throw e;
            }
            send(requests, responses);
        }
        return responses;
    }

    /** Sends the requests not answered yet and adds their answers to {@code responses}. */
    private void send(Request[] requests, List<Response> responses) throws IOException {
        if (socket == null) {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        }
        var message = new ByteArrayOutputStream();
        for (int i = responses.size(); i < requests.length; i++) {
            message.writeBytes(bytes(requests[i]));
        }
        message.writeTo(out);
        out.flush();
        while (responses.size() < requests.length) {
            responses.add(readResponse());
        }
    }

    private byte[] bytes(Request request) {
        StringBuilder head = new StringBuilder(request.method()).append(' ').append(request.path())
                .append(" HTTP/1.1\r\nHost: ").append(host).append(':').append(port).append("\r\n");
        request.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (request.body() != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(request.body().length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        return request.body() == null ? headBytes : concat(headBytes, request.body());
    }

    private Response readResponse() throws IOException {
        String statusLine = readLine();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new ProtocolException("not an HTTP/1.1 status line: '" + statusLine + "'");
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new HashMap<>();
        int headBytes = statusLine.length();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            headBytes += line.length();
            if (headBytes > MAX_HEAD_BYTES) {
                throw new ProtocolException("response headers exceed " + MAX_HEAD_BYTES + " bytes");
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        byte[] body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))
                ? readChunked()
                : readExactly(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Response(status, headers, body);
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine();
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                while (!readLine().isEmpty()) {
                    // trailers: none we need
                }
                return body.toByteArray();
            }
            body.write(readExactly(size));
            readLine();
        }
    }

    private byte[] readExactly(int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
            throw new EOFException("the Runtime API closed the connection after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }

    /** A CRLF-terminated line without its terminator; EOF before one is a closed connection. */
    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the Runtime API closed the connection");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Override
    public synchronized void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing a broken connection: nothing left to lose.
            }
        }
        socket = null;
    }
}
