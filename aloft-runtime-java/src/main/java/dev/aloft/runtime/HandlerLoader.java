package dev.aloft.runtime;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.aloft.function.Handler;
import dev.aloft.function.StreamHandler;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Turns {@code _HANDLER} into a ready {@link FunctionHandler}, the way Lambda reads it:
 * {@code pkg.Class} names a class implementing one of the handler interfaces, and
 * {@code pkg.Class::method} a public method taking {@code (input)} or {@code (input, context)}.
 */
final class HandlerLoader {

    private static final String CLASS_NOT_FOUND = "Runtime.ClassNotFound";
    private static final String NO_SUCH_METHOD = "Runtime.NoSuchMethod";
    private static final String INIT_ERROR = "Runtime.HandlerInitError";
    private static final String MALFORMED = "Runtime.MalformedHandlerName";

    private final String handler;
    private final TaskRoot taskRoot;

    HandlerLoader(String handler, TaskRoot taskRoot) {
        this.handler = handler;
        this.taskRoot = taskRoot;
    }

    /** Loads, initializes and instantiates the handler once; the process reuses it for every event. */
    FunctionHandler load() {
        int separator = handler.indexOf("::");
        String className = separator < 0 ? handler : handler.substring(0, separator);
        Optional<String> methodName = separator < 0 ? Optional.empty() : Optional.of(handler.substring(separator + 2));
        if (className.isBlank() || methodName.filter(String::isBlank).isPresent()) {
            throw new HandlerInitException(MALFORMED, "handler '" + handler
                    + "' is not of the form 'pkg.Class::method' or 'pkg.Class'; set the function's handler");
        }
        ClassLoader loader = taskRoot.classLoader();
        // Libraries in the function (JSON mappers, SDKs) look up resources through this loader.
        Thread.currentThread().setContextClassLoader(loader);
        Class<?> type = loadClass(className, loader);
        return forInterface(type, methodName).orElseGet(() -> forMethod(type, methodName.orElseThrow(
                () -> new HandlerInitException(NO_SUCH_METHOD, "class " + className + " implements none of "
                        + "RequestHandler, RequestStreamHandler, dev.aloft.function.Handler, StreamHandler; "
                        + "implement one or name a method: '" + className + "::method'"))));
    }

    private Class<?> loadClass(String className, ClassLoader loader) {
        try {
            return Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new HandlerInitException(CLASS_NOT_FOUND, "Class not found: " + className + " (handler '"
                    + handler + "'; " + taskRoot.describe() + ")", e);
        } catch (ExceptionInInitializerError e) {
            throw new HandlerInitException(INIT_ERROR, "static initializer of " + className + " failed: "
                    + e.getCause(), e.getCause());
        } catch (LinkageError e) {
            throw new HandlerInitException(INIT_ERROR, "class " + className + " cannot be loaded: " + e
                    + " (a dependency missing from the upload? " + taskRoot.describe() + ")", e);
        }
    }

    @SuppressWarnings("unchecked")
    private Optional<FunctionHandler> forInterface(Class<?> type, Optional<String> methodName) {
        boolean awsMethod = methodName.map("handleRequest"::equals).orElse(true);
        boolean aloftMethod = methodName.map("handle"::equals).orElse(true);
        if (awsMethod && RequestStreamHandler.class.isAssignableFrom(type)) {
            var function = (RequestStreamHandler) instantiate(type);
            return Optional.of((event, result, context) ->
                    function.handleRequest(new ByteArrayInputStream(event), result, context));
        }
        if (aloftMethod && StreamHandler.class.isAssignableFrom(type)) {
            var function = (StreamHandler) instantiate(type);
            return Optional.of((event, result, context) ->
                    function.handle(new ByteArrayInputStream(event), result, context));
        }
        if (awsMethod && RequestHandler.class.isAssignableFrom(type)) {
            var function = (RequestHandler<Object, Object>) instantiate(type);
            return Optional.of(JsonMapping.typed(JsonMapping.typeArgument(type, RequestHandler.class, 0),
                    function::handleRequest));
        }
        if (aloftMethod && Handler.class.isAssignableFrom(type)) {
            var function = (Handler<Object, Object>) instantiate(type);
            return Optional.of(JsonMapping.typed(JsonMapping.typeArgument(type, Handler.class, 0),
                    function::handle));
        }
        return Optional.empty();
    }

    private FunctionHandler forMethod(Class<?> type, String methodName) {
        // Most parameters first, as Lambda does, so (input, context) wins over (input).
        List<Method> candidates = Arrays.stream(type.getMethods())
                .filter(m -> m.getName().equals(methodName) && !m.isBridge() && !m.isSynthetic())
                .sorted(Comparator.comparingInt(Method::getParameterCount).reversed())
                .toList();
        for (Method method : candidates) {
            Class<?>[] parameters = method.getParameterTypes();
            boolean stream = isStreamShape(parameters);
            if (stream || parameters.length == 1 || parameters.length == 2 && isContext(parameters[1])) {
                return forMethod(type, method, stream);
            }
        }
        throw new HandlerInitException(NO_SUCH_METHOD, "class " + type.getName() + " has no public method '"
                + methodName + "' taking (input) or (input, Context)" + (candidates.isEmpty() ? ""
                : "; found " + candidates.stream().map(Method::toGenericString).toList()));
    }

    private FunctionHandler forMethod(Class<?> type, Method method, boolean stream) {
        // Public methods of a package-private class are still callable from the unnamed module.
        method.trySetAccessible();
        Object target = Modifier.isStatic(method.getModifiers()) ? null : instantiate(type);
        int arity = method.getParameterCount();
        if (stream) {
            return (event, result, context) -> call(method, target, arity == 2
                    ? new Object[] {new ByteArrayInputStream(event), result}
                    : new Object[] {new ByteArrayInputStream(event), result, context});
        }
        return JsonMapping.typed(JsonMapping.type(method.getGenericParameterTypes()[0]),
                (input, context) -> call(method, target,
                        arity == 1 ? new Object[] {input} : new Object[] {input, context}));
    }

    private static boolean isStreamShape(Class<?>[] parameters) {
        return (parameters.length == 2 || parameters.length == 3 && isContext(parameters[2]))
                && parameters[0] == InputStream.class && parameters[1] == OutputStream.class;
    }

    private static boolean isContext(Class<?> parameter) {
        return parameter == com.amazonaws.services.lambda.runtime.Context.class
                || parameter == dev.aloft.function.Context.class;
    }

    private static Object call(Method method, Object target, Object[] arguments) {
        try {
            return method.invoke(target, arguments);
        } catch (InvocationTargetException e) {
            throw new FunctionFailedException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new FunctionFailedException(e);
        }
    }

    private Object instantiate(Class<?> type) {
        try {
            return type.getConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new HandlerInitException(INIT_ERROR, "class " + type.getName()
                    + " has no public no-argument constructor; add one or make the handler method static", e);
        } catch (InvocationTargetException e) {
            throw new HandlerInitException(INIT_ERROR, "constructor of " + type.getName() + " failed: "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new HandlerInitException(INIT_ERROR, "class " + type.getName() + " cannot be instantiated: "
                    + e + " (is it public, concrete and not an inner class?)", e);
        }
    }
}
