package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Greets the caller. Called through a function URL or HTTP API it answers with an HTTP response
 * (API Gateway v2 payload); invoked directly it returns a plain JSON object.
 */
public class Hello implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Map<String, Object> input = event == null ? Map.of() : event;
        context.getLogger().log("hello invoked, request " + context.getAwsRequestId() + "\n");
        if (input.get("requestContext") instanceof Map<?, ?> requestContext && requestContext.get("http") != null) {
            String path = String.valueOf(input.getOrDefault("rawPath", "/"));
            // Built by hand so the function jar needs no JSON library; three known string fields.
            String body = "{\"message\":\"Hello from Java\",\"path\":" + quote(path)
                    + ",\"requestId\":" + quote(context.getAwsRequestId()) + "}";
            Map<String, Object> response = new LinkedHashMap<>();
            response.put("statusCode", 200);
            response.put("headers", Map.of("content-type", "application/json"));
            response.put("body", body);
            return response;
        }
        Object name = input.get("name");
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("message", "Hello, " + (name == null ? "world" : name) + " from Java");
        reply.put("requestId", context.getAwsRequestId());
        return reply;
    }

    private static String quote(String text) {
        var quoted = new StringBuilder(text.length() + 2).append('"');
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
