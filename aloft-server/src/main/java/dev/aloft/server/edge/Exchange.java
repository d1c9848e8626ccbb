package dev.aloft.server.edge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.invocations.PayloadTooLargeException;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Request and response plumbing shared by the edge's handlers. */
final class Exchange {

    /**
     * Bodies are bounded by size before they are parsed, so one string may fill the largest body
     * (a deploy's base64 zip); Jackson's default cap of 20 M characters would refuse zips over
     * about 15 MB that the 70 MB body limit admits.
     */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(ControlApi.MAX_DEPLOY_BODY_BYTES).build())
            .build());

    private Exchange() {}

    /** A body read before the handler ran (to verify a signature over it). */
    private record KeptBody(byte[] bytes) {}

    /** Keeps a body that was read already for the handler's {@link #body} call. */
    static void keepBody(ServerRequest req, byte[] body) {
        req.context().register(new KeptBody(body));
    }

    /** The request body, refusing more than {@code limitBytes} with a 413 that says the limit. */
    static byte[] body(ServerRequest req, int limitBytes, String what) {
        var kept = req.context().get(KeptBody.class);
        if (kept.isPresent()) {
            byte[] body = kept.get().bytes();
            if (body.length > limitBytes) {
                throw new PayloadTooLargeException(what + " is " + body.length + " bytes; the limit is " + limitBytes + " bytes");
            }
            return body;
        }
        req.headers().contentLength().ifPresent(length -> {
            if (length > limitBytes) {
                throw new PayloadTooLargeException(what + " is " + length + " bytes; the limit is " + limitBytes + " bytes");
            }
        });
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(limitBytes + 1);
            if (body.length > limitBytes) {
                throw new PayloadTooLargeException(what + " is over the limit of " + limitBytes + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A whole-number query parameter within [min, max], or a 400 naming it. */
    static int boundedInt(String name, String value, int min, int max) {
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw AloftException.invalid(name + " must be a whole number, got '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw AloftException.invalid(name + " must be between " + min + " and " + max + ", got " + parsed);
        }
        return parsed;
    }

    /**
     * A whole number in any JSON notation ({@code 512}, {@code 512.0}, {@code 5.12e2}): JSON has
     * one number type, and tools that write through floating point send whole numbers as
     * {@code 512.0}. A fraction, or a number beyond an int, is a 400 naming {@code field}.
     */
    static int wholeNumber(String field, JsonNode value) {
        if (!value.isNumber() || !value.canConvertToExactIntegral()) {
            throw AloftException.invalid(field + " must be a whole number, got " + value);
        }
        if (!value.canConvertToInt()) {
            throw AloftException.invalid(field + " is out of range, got " + value);
        }
        return value.intValue();
    }

    static void sendJson(ServerResponse res, int status, Object value) {
        try {
            res.status(Status.create(status)).header("Content-Type", "application/json")
                    .send(JSON.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new AloftException(500, "ServiceException", "cannot encode response: " + e.getMessage(), e);
        }
    }

    static void sendError(ServerResponse res, AloftException e) {
        ObjectNode body = JSON.createObjectNode();
        body.put("errorType", e.errorType());
        body.put("message", e.getMessage());
        res.status(Status.create(e.httpStatus())).header("Content-Type", "application/json")
                .header("x-amzn-ErrorType", e.errorType())
                .send(body.toString().getBytes(StandardCharsets.UTF_8));
    }
}
