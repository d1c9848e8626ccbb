package dev.aloft.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a prewarmed instance does while it has no function yet: one event through the typed handler
 * path, and one through a Lambda {@code RequestHandler} loaded like a function's (class loader,
 * reflection, a {@code Map} event in the HTTP API shape), so the function's first event finds
 * Jackson's mapper built and those paths linked rather than paying for them on its cold start.
 */
final class Warmup {

    private static final byte[] EVENT = ("{\"item\":\"tea\",\"quantity\":2,"
            + "\"attributes\":{\"size\":\"large\",\"hot\":true,\"shots\":[1,2]},\"tags\":[\"warm\"]}")
            .getBytes(StandardCharsets.UTF_8);

    private static final byte[] HTTP_EVENT = ("{\"version\":\"2.0\",\"rawPath\":\"/\",\"headers\":{\"accept\":\"*/*\"},"
            + "\"requestContext\":{\"http\":{\"method\":\"GET\",\"path\":\"/\"}},\"isBase64Encoded\":false}")
            .getBytes(StandardCharsets.UTF_8);

    /** A Lambda handler of the most common shape: a JSON object in, a JSON object out. */
    public static final class MapEcho implements RequestHandler<Map<String, Object>, Map<String, Object>> {
        @Override
        public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
            return Map.of("statusCode", 200, "body", String.valueOf(event.get("rawPath")) + context.getAwsRequestId());
        }
    }

    /** A record in and out, with nested JSON, like most functions' events. */
    record Order(String item, int quantity, Map<String, Object> attributes, List<String> tags) {
    }

    private Warmup() {
    }

    static void run(FunctionSettings settings) {
        handle(settings, JsonMapping.typed(JsonMapping.type(Order.class), (order, context) -> order), EVENT);
        handle(settings, new HandlerLoader(MapEcho.class.getName() + "::handleRequest", new TaskRoot(settings.taskRoot(), false)).load(),
                HTTP_EVENT);
    }

    private static void handle(FunctionSettings settings, FunctionHandler handler, byte[] event) {
        var invocation = new Invocation("warmup", Instant.now().plusSeconds(60), "", Optional.empty(), event);
        try {
            handler.handle(event, new ByteArrayOutputStream(), new InvocationContext(settings, invocation, InstantSource.system()));
        } catch (IOException e) {
            throw new RuntimeSetupException("warming up the handler paths failed: " + e, e);
        }
    }
}
