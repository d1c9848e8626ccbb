package example;

import dev.aloft.function.Context;
import dev.aloft.function.Handler;

/** Greets by name using Aloft's own handler interface; records map to and from JSON. */
public class Greeter implements Handler<Greeter.Request, Greeter.Reply> {

    public record Request(String name) {
    }

    public record Reply(String greeting, long remainingMs) {
    }

    @Override
    public Reply handle(Request input, Context context) {
        String name = input == null || input.name() == null ? "world" : input.name();
        return new Reply("Hello, " + name + "!", context.remainingTime().toMillis());
    }
}
