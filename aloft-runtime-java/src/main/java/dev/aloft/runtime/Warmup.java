package dev.aloft.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;
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
        defineFromDirectory();
        handle(settings, JsonMapping.typed(JsonMapping.type(Order.class), (order, context) -> order), EVENT);
        handle(settings, new HandlerLoader(MapEcho.class.getName() + "::handleRequest", new TaskRoot(settings.taskRoot(), false)).load(),
                HTTP_EVENT);
    }

    /**
     * Defines a class from a directory in a class loader of its own, as a function's classes are
     * (the code path and the verifier that the AOT-cached runtime classes never need): measured at
     * ~10 ms of a bound Java instance's first class otherwise.
     */
    private static void defineFromDirectory() {
        String name = MapEcho.class.getName();
        String resource = name.replace('.', '/') + ".class";
        Path dir = null;
        try (InputStream in = Warmup.class.getClassLoader().getResourceAsStream(resource)) {
            dir = Files.createTempDirectory("aloft-warmup");
            Path file = dir.resolve(resource);
            Files.createDirectories(file.getParent());
            Files.write(file, Objects.requireNonNull(in, resource).readAllBytes());
            try (URLClassLoader loader = new ChildFirst(dir.toUri().toURL(), name)) {
                Class.forName(name, true, loader);
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new RuntimeSetupException("warming up class loading failed: " + e, e);
        } finally {
            deleteTree(dir);
        }
    }

    /** Defines one class itself instead of asking its parent, which already has it. */
    private static final class ChildFirst extends URLClassLoader {
        private final String only;

        ChildFirst(URL directory, String only) {
            super(new URL[]{directory}, Warmup.class.getClassLoader());
            this.only = only;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(only)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                return loaded != null ? loaded : findClass(name);
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // A few bytes left in the instance's private /tmp.
        }
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
