package dev.aloft.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.function.BiFunction;

/**
 * Maps events to the handler's input type and results back to JSON, configured like Lambda's
 * Java runtime so functions move between the two unchanged.
 */
final class JsonMapping {

    /**
     * Built on first use, not at class load: Jackson's start is the largest part of a cold JVM's
     * work, and stream handlers never need it.
     */
    private static final class Mapper {
        static final ObjectMapper INSTANCE = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
    }

    private JsonMapping() {
    }

    static <T> T read(byte[] json, Class<T> type) throws IOException {
        return Mapper.INSTANCE.readValue(json, type);
    }

    static JavaType type(Type type) {
        return Mapper.INSTANCE.getTypeFactory().constructType(type);
    }

    /** The type argument {@code generic} is bound to by {@code handlerClass}, or {@code Object}. */
    static JavaType typeArgument(Class<?> handlerClass, Class<?> generic, int index) {
        JavaType[] arguments = type(handlerClass).findTypeParameters(generic);
        return index < arguments.length ? arguments[index] : type(Object.class);
    }

    /**
     * A handler taking a mapped input. The reader is made here so that the input type's
     * deserializer is built during init, not on the first invocation.
     */
    static FunctionHandler typed(JavaType inputType, BiFunction<Object, InvocationContext, Object> function) {
        ObjectReader reader = Mapper.INSTANCE.readerFor(inputType);
        ObjectWriter writer = Mapper.INSTANCE.writer();
        return (event, result, context) -> {
            Object input = event.length == 0 ? null : reader.readValue(event);
            writer.writeValue(result, function.apply(input, context));
        };
    }
}
