package dev.aloft.server.instances;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/** Lambda's error JSON for errors the platform itself reports (timeouts, crashes, …). */
final class ErrorBodies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorBodies() {}

    static byte[] of(String errorType, String message) {
        ObjectNode node = JSON.createObjectNode();
        node.put("errorType", errorType);
        node.put("errorMessage", message);
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
