package dev.aloft.function;

/**
 * A function that takes a JSON event mapped to {@code I} and returns a value mapped back to JSON.
 *
 * <p>The runtime maps with Jackson: records, POJOs with getters and setters, {@code Map},
 * {@code List}, {@code String} and boxed primitives all work. Unknown event properties are
 * ignored and property names match case-insensitively, as on Lambda. One instance serves every
 * invocation of a process, so expensive set-up belongs in the constructor.
 *
 * @param <I> the event type
 * @param <O> the result type; {@code null} is sent as JSON {@code null}
 */
@FunctionalInterface
public interface Handler<I, O> {

    O handle(I input, Context context);
}
