package dev.aloft.runtime.testfunctions;

import dev.aloft.function.Context;
import dev.aloft.function.Handler;

/** Aloft's own interface, answering with the trace header system property Lambda code reads. */
public class Greet implements Handler<Greet.Request, Greet.Reply> {

    public record Request(String name) {
    }

    public record Reply(String greeting, String traceId, String traceProperty, boolean hasTime) {
    }

    @Override
    public Reply handle(Request request, Context context) {
        return new Reply("Hello, " + request.name(), context.traceId().orElse("none"),
                System.getProperty("com.amazonaws.xray.traceHeader", "none"),
                context.remainingTime().toMillis() > 0);
    }
}
