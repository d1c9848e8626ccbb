package dev.aloft.runtime.testfunctions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/** Record input, map output; counts the events this instance served to show warm reuse. */
public class Orders implements RequestHandler<Orders.Order, Map<String, Object>> {

    public record Order(String item, int quantity) {
    }

    private int served;

    @Override
    public Map<String, Object> handleRequest(Order order, Context context) {
        served++;
        context.getLogger().log("ordering " + order.quantity() + " " + order.item() + "\n");
        return Map.of(
                "item", order.item(),
                "quantity", order.quantity(),
                "served", served,
                "requestId", context.getAwsRequestId(),
                "function", context.getFunctionName() + ":" + context.getFunctionVersion(),
                "memoryMb", context.getMemoryLimitInMB(),
                "remainingMs", context.getRemainingTimeInMillis(),
                "loader", String.valueOf(getClass().getClassLoader().getName()));
    }
}
