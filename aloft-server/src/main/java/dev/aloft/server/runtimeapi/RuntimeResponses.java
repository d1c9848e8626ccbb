package dev.aloft.server.runtimeapi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The Runtime API's HTTP/1.1 answers, as bytes ready to write. */
final class RuntimeResponses {

    private static final byte[] ACCEPTED = response(202, "Accepted", "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8));

    private RuntimeResponses() {
    }

    static ByteBuffer[] accepted() {
        return new ByteBuffer[] {ByteBuffer.wrap(ACCEPTED)};
    }

    static ByteBuffer[] error(int status, String type, String message) {
        byte[] body = ("{\"errorType\":\"" + type + "\",\"errorMessage\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        return new ByteBuffer[] {ByteBuffer.wrap(response(status, reason(status), body))};
    }

    static ByteBuffer[] json(byte[] body) {
        return new ByteBuffer[] {ByteBuffer.wrap(response(200, "OK", body))};
    }

    /** An invocation for {@code /invocation/next}; the payload is written as it is, not copied. */
    static ByteBuffer[] event(RuntimeEvent event) {
        String head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Lambda-Runtime-Aws-Request-Id: " + event.requestId() + "\r\n"
                + "Lambda-Runtime-Deadline-Ms: " + event.deadlineEpochMs() + "\r\n"
                + "Lambda-Runtime-Invoked-Function-Arn: " + event.invokedFunctionArn() + "\r\n"
                + "Lambda-Runtime-Trace-Id: " + event.traceId() + "\r\n"
                + "Content-Length: " + event.payload().length + "\r\n\r\n";
        return new ByteBuffer[] {ByteBuffer.wrap(head.getBytes(StandardCharsets.UTF_8)), ByteBuffer.wrap(event.payload())};
    }

    private static byte[] response(int status, String reason, byte[] body) {
        byte[] head = ("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 410 -> "Gone";
            case 413 -> "Payload Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            default -> "Internal Server Error";
        };
    }
}
