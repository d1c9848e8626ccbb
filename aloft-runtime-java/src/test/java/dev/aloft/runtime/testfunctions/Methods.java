package dev.aloft.runtime.testfunctions;

import dev.aloft.function.Context;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Handlers named as {@code Class::method}, with no interface at all. */
public class Methods {

    public static String shout(String text) {
        return text.toUpperCase(Locale.ROOT) + "!";
    }

    public Map<String, Object> count(List<Integer> numbers, Context context) {
        return Map.of("sum", numbers.stream().mapToInt(Integer::intValue).sum(), "requestId", context.requestId());
    }

    public String broken(String input) throws IOException {
        throw new IOException("disk gone while reading " + input);
    }
}
