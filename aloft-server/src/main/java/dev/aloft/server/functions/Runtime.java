package dev.aloft.server.functions;

import dev.aloft.server.AloftException;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The language runtimes a function can run on; {@link #PROVIDED} runs the code's own {@code bootstrap}. */
public enum Runtime {
    JAVA25("java25"),
    NODEJS20("nodejs20"),
    PYTHON3("python3"),
    PROVIDED("provided");

    private final String id;

    Runtime(String id) {
        this.id = id;
    }

    /** The name users write, e.g. {@code nodejs20}. */
    public String id() {
        return id;
    }

    public static Runtime fromId(String id) {
        for (Runtime runtime : values()) {
            if (runtime.id.equals(id)) {
                return runtime;
            }
        }
        throw AloftException.invalid("unknown runtime '" + id + "'; choose one of "
                + Arrays.stream(values()).map(Runtime::id).collect(Collectors.joining(", ")));
    }
}
