package dev.aloft.runtime;

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
 * path, so the function's first event finds Jackson's mapper built and the mapping and context
 * classes initialized rather than paying for them on its cold start.
 */
final class Warmup {

    private static final byte[] EVENT = ("{\"item\":\"tea\",\"quantity\":2,"
            + "\"attributes\":{\"size\":\"large\",\"hot\":true,\"shots\":[1,2]},\"tags\":[\"warm\"]}")
            .getBytes(StandardCharsets.UTF_8);

    /** A record in and out, with nested JSON, like most functions' events. */
    record Order(String item, int quantity, Map<String, Object> attributes, List<String> tags) {
    }

    private Warmup() {
    }

    static void run(FunctionSettings settings) {
        FunctionHandler handler = JsonMapping.typed(JsonMapping.type(Order.class), (order, context) -> order);
        var invocation = new Invocation("warmup", Instant.now().plusSeconds(60), "", Optional.empty(), EVENT);
        try {
            handler.handle(EVENT, new ByteArrayOutputStream(),
                    new InvocationContext(settings, invocation, InstantSource.system()));
        } catch (IOException e) {
            throw new RuntimeSetupException("warming up the JSON mapping failed: " + e, e);
        }
    }
}
