package dev.aloft.server.runtimeapi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads HTTP/1.1 requests out of one connection's bytes as they arrive: fixed-length and chunked
 * bodies, {@code Expect: 100-continue}, pipelining. A body over the limit is read and dropped, so
 * the connection stays usable and the call can be refused on its own.
 */
final class RequestParser {

    static final int MAX_HEAD_BYTES = 16 * 1024;
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private enum Phase { HEAD, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILER }

    private final int maxBodyBytes;
    private byte[] in = new byte[16 * 1024];
    /** First byte not parsed yet. */
    private int start;
    /** One past the last byte received. */
    private int end;

    private Phase phase = Phase.HEAD;
    private Head head;
    private byte[] body;
    private int bodyLength;
    private boolean oversized;
    /** Bytes left of the fixed-length body or of the current chunk. */
    private long left;
    private boolean continueWanted;

    RequestParser(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** A request's head: what the Runtime API reads of it. */
    record Head(String method, String path, String errorType, boolean expectsContinue, boolean keepAlive) {}

    /** One whole request; {@code body} is null when it was over the limit ({@code oversized}). */
    record Request(Head head, byte[] body, boolean oversized) {}

    /** A request the server cannot read; the connection is answered {@code status} and closed. */
    static final class BadRequest extends Exception {
        final int status;

        BadRequest(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** Room for the next read, after the bytes received so far. */
    ByteBuffer readSpace() {
        if (start == end) {
            start = 0;
            end = 0;
        }
        if (in.length - end < 4096) {
            int unparsed = end - start;
            byte[] target = unparsed + 8192 > in.length ? new byte[Math.max(in.length * 2, unparsed + 8192)] : in;
            System.arraycopy(in, start, target, 0, unparsed);
            in = target;
            start = 0;
            end = unparsed;
        }
        return ByteBuffer.wrap(in, end, in.length - end);
    }

    void received(int count) {
        end += count;
    }

    boolean hasUnparsed() {
        return start < end;
    }

    int unparsedBytes() {
        return end - start;
    }

    /** True once after a head asking {@code Expect: 100-continue} was read: the client waits for a 100. */
    boolean takeContinueWanted() {
        boolean wanted = continueWanted;
        continueWanted = false;
        return wanted;
    }

    /** The next whole request, or null until more bytes arrive. */
    Request next() throws BadRequest {
        while (true) {
            switch (phase) {
                case HEAD -> {
                    if (!readHead()) {
                        return null;
                    }
                }
                case FIXED_BODY -> {
                    take();
                    if (left > 0) {
                        return null;
                    }
                    return finish();
                }
                case CHUNK_SIZE -> {
                    String line = line();
                    if (line == null) {
                        return null;
                    }
                    left = chunkSize(line);
                    phase = left == 0 ? Phase.TRAILER : Phase.CHUNK_DATA;
                }
                case CHUNK_DATA -> {
                    take();
                    if (left > 0) {
                        return null;
                    }
                    phase = Phase.CHUNK_END;
                }
                case CHUNK_END -> {
                    String line = line();
                    if (line == null) {
                        return null;
                    }
                    if (!line.isEmpty()) {
                        throw new BadRequest(400, "a chunk's data must end with CRLF");
                    }
                    phase = Phase.CHUNK_SIZE;
                }
                case TRAILER -> {
                    String line = line();
                    if (line == null) {
                        return null;
                    }
                    if (line.isEmpty()) {
                        return finish();
                    }
                }
            }
        }
    }

    private Request finish() {
        Request request = new Request(head, oversized ? null
                : bodyLength == body.length ? body : Arrays.copyOf(body, bodyLength), oversized);
        phase = Phase.HEAD;
        head = null;
        body = null;
        return request;
    }

    /** Moves what has arrived of the body (up to {@link #left}) into it, or drops it once over the limit. */
    private void take() {
        int count = (int) Math.min(left, end - start);
        if (!oversized && bodyLength + (long) count > maxBodyBytes) {
            oversized = true;
            body = null;
        }
        if (!oversized) {
            if (bodyLength + count > body.length) {
                body = Arrays.copyOf(body, Math.min(maxBodyBytes, Math.max(body.length * 2, bodyLength + count)));
            }
            System.arraycopy(in, start, body, bodyLength, count);
            bodyLength += count;
        }
        start += count;
        left -= count;
    }

    private boolean readHead() throws BadRequest {
        int headEnd = indexOfBlankLine();
        if ((headEnd < 0 ? end : headEnd) - start > MAX_HEAD_BYTES) {
            throw new BadRequest(431, "request head over " + MAX_HEAD_BYTES + " bytes");
        }
        if (headEnd < 0) {
            return false;
        }
        String text = new String(in, start, headEnd - start, StandardCharsets.ISO_8859_1);
        start = headEnd + 4;
        // Split by hand: String.split compiles a two-character separator as a regex, twice a request.
        List<String> lines = new ArrayList<>();
        for (int from = 0, crlf; from <= text.length(); from = crlf + 2) {
            crlf = text.indexOf("\r\n", from);
            crlf = crlf < 0 ? text.length() : crlf;
            lines.add(text.substring(from, crlf));
        }
        String[] requestLine = lines.get(0).split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
            throw new BadRequest(400, "not an HTTP/1.x request line: " + abbreviate(lines.get(0)));
        }
        long contentLength = -1;
        boolean chunked = false;
        boolean expectsContinue = false;
        boolean keepAlive = requestLine[2].equals("HTTP/1.1");
        String errorType = null;
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new BadRequest(400, "malformed header line: " + abbreviate(line));
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> contentLength = contentLength(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                case "expect" -> expectsContinue = value.equalsIgnoreCase("100-continue");
                case "connection" -> keepAlive = value.equalsIgnoreCase("close") ? false
                        : value.equalsIgnoreCase("keep-alive") || keepAlive;
                case "lambda-runtime-function-error-type" -> errorType = value;
                default -> { }
            }
        }
        head = new Head(requestLine[0], requestLine[1], errorType, expectsContinue, keepAlive);
        oversized = false;
        bodyLength = 0;
        if (chunked) {
            body = new byte[0];
            phase = Phase.CHUNK_SIZE;
        } else if (contentLength > 0) {
            oversized = contentLength > maxBodyBytes;
            // The usual case allocates only the body, at its declared size.
            body = oversized ? null : new byte[(int) contentLength];
            left = contentLength;
            phase = Phase.FIXED_BODY;
        } else {
            body = new byte[0];
            left = 0;
            phase = Phase.FIXED_BODY;
        }
        continueWanted = expectsContinue && (chunked || contentLength > 0);
        return true;
    }

    private int indexOfBlankLine() {
        for (int i = start; i + 3 < end; i++) {
            if (in[i] == CR && in[i + 1] == LF && in[i + 2] == CR && in[i + 3] == LF) {
                return i;
            }
        }
        return -1;
    }

    /** The next CRLF-terminated line (without it), or null until it has arrived. */
    private String line() throws BadRequest {
        for (int i = start; i + 1 < end; i++) {
            if (in[i] == CR && in[i + 1] == LF) {
                String line = new String(in, start, i - start, StandardCharsets.ISO_8859_1);
                start = i + 2;
                return line;
            }
        }
        if (end - start > MAX_HEAD_BYTES) {
            throw new BadRequest(400, "chunk line over " + MAX_HEAD_BYTES + " bytes");
        }
        return null;
    }

    private static long chunkSize(String line) throws BadRequest {
        int extension = line.indexOf(';');
        String hex = (extension < 0 ? line : line.substring(0, extension)).trim();
        try {
            long size = Long.parseLong(hex, 16);
            if (size < 0 || hex.length() > 15) {
                throw new NumberFormatException();
            }
            return size;
        } catch (NumberFormatException e) {
            throw new BadRequest(400, "bad chunk size: " + abbreviate(line));
        }
    }

    private static long contentLength(String value) throws BadRequest {
        try {
            long length = Long.parseLong(value);
            if (length < 0) {
                throw new NumberFormatException();
            }
            return length;
        } catch (NumberFormatException e) {
            throw new BadRequest(400, "bad Content-Length: " + abbreviate(value));
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }
}
