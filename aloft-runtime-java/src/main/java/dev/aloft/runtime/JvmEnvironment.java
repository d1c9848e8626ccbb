package dev.aloft.runtime;

import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.util.Map;

/**
 * This JVM's environment variables, changeable after start. A prewarmed instance learns its
 * function's variables only when it is bound, yet functions read their configuration through
 * {@link System#getenv()} and {@link System#getenv(String)}, which must then answer exactly as if
 * the process had been started with those variables.
 *
 * <p>The JDK offers no way to do this: {@code System.getenv()} is an unmodifiable view over the
 * JDK's own live map, from which {@code System.getenv(name)} and {@link ProcessBuilder} read too.
 * Only the view's field needs reflection, which takes {@value #REQUIRED_FLAG}; the live map's
 * {@code put} and {@code remove} are reached through the public {@link Map} interface. Native code
 * calling libc's {@code getenv} still sees the environment the process was started with.
 */
final class JvmEnvironment {

    static final String REQUIRED_FLAG = "--add-opens java.base/java.util=ALL-UNNAMED";

    private final Map<String, String> live;

    private JvmEnvironment(Map<String, String> live) {
        this.live = live;
    }

    /** Reaches the live map now, so a JVM started without the flag fails before it is bound. */
    @SuppressWarnings("unchecked")
    static JvmEnvironment live() {
        Map<String, String> view = System.getenv();
        try {
            Field backing = view.getClass().getDeclaredField("m");
            backing.setAccessible(true);
            return new JvmEnvironment((Map<String, String>) backing.get(view));
        } catch (ReflectiveOperationException | InaccessibleObjectException e) {
            throw new RuntimeSetupException("cannot give the function its environment variables: " + e
                    + "; a prewarmed instance must be started with " + REQUIRED_FLAG, e);
        }
    }

    /** Adds or overrides {@code variables} and drops {@code removed}, for the whole process. */
    void update(Map<String, String> variables, String removed) {
        live.putAll(variables);
        live.remove(removed);
    }
}
