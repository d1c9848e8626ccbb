package dev.aloft.server.invocations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The {@code errorMessage} of a Lambda error JSON, for the ledger's error column. */
final class ErrorMessages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CHARS = 2000;

    private ErrorMessages() {}

    static String of(byte[] errorJson) {
        String message;
        try {
            JsonNode node = JSON.readTree(errorJson);
            message = node != null && node.hasNonNull("errorMessage") ? node.get("errorMessage").asText()
                    : new String(errorJson, StandardCharsets.UTF_8);
        } catch (IOException e) {
            message = new String(errorJson, StandardCharsets.UTF_8);
        }
        return message.length() <= MAX_CHARS ? message : message.substring(0, MAX_CHARS) + "…";
    }
}
