package dev.aloft.runtime;

import java.util.Map;

/**
 * The per-function AOT training run (JEP 483/514) the platform starts for a Java function that
 * often starts fresh, in the function's own sandbox and with the class path its fresh instances
 * get (the runtime's jars, then the function's code). It does what the build's {@link Training}
 * does — the bootstrap's fresh and prewarmed paths against an in-process Runtime API — and then
 * loads, links and initializes the function's handler from the class path, as a fresh start with
 * this cache will. The handler is never invoked: training must not have effects a user would see
 * beyond what every cold start's initialization already has.
 *
 * <p>Exits 0 when all of it succeeded; the JVM then writes the cache named by
 * {@code -XX:AOTCacheOutput}, which the platform uses only after that exit status.
 */
final class FunctionTraining {

    private FunctionTraining() {
    }

    public static void main(String[] args) {
        // Read first: the prewarmed training path adopts the training function's environment.
        Map<String, String> environment = Map.copyOf(System.getenv());
        int status = Training.train(false);
        if (status == 0) {
            status = Training.train(true);
        }
        if (status == 0) {
            status = loadHandler(environment);
        }
        System.exit(status);
    }

    private static int loadHandler(Map<String, String> environment) {
        FunctionSettings settings;
        try {
            settings = FunctionSettings.fromEnvironment(environment);
        } catch (RuntimeSetupException e) {
            return Training.fail(e.getMessage());
        }
        if (!settings.codeOnClassPath()) {
            return Training.fail("ALOFT_CODE_ON_CLASS_PATH is not 1: the function's classes would come from a"
                    + " loader the cache cannot hold");
        }
        try {
            new HandlerLoader(settings.handler(), new TaskRoot(settings.taskRoot(), true)).load();
        } catch (HandlerInitException e) {
            return Training.fail("handler '" + settings.handler() + "': " + e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Training.fail("handler '" + settings.handler() + "' failed to initialize: " + e);
        }
        System.out.println("aloft-runtime-java: AOT training, loaded handler " + settings.handler());
        return 0;
    }
}
