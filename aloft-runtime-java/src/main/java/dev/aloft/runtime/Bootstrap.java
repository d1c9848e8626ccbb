package dev.aloft.runtime;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Entry point of a Java function's process: loads the handler once, then serves events from the
 * Runtime API until the platform goes away. Started by the platform as
 * {@code java -cp "<runtime>/lib/*" dev.aloft.runtime.Bootstrap} with Lambda's environment, or,
 * prewarmed, with a generic one plus {@code ALOFT_BIND=1}: it then learns its function from
 * {@code GET /aloft/bind}.
 */
public final class Bootstrap {

    private static final String TRACE_PROPERTY = "com.amazonaws.xray.traceHeader";
    /** Set to 1 by the platform on a prewarmed instance, one started before it has a function. */
    private static final String BIND_VARIABLE = "ALOFT_BIND";

    private final FunctionSettings settings;
    private final RuntimeApiClient runtimeApi;
    private final InstantSource clock;

    private Bootstrap(FunctionSettings settings, RuntimeApiClient runtimeApi, InstantSource clock) {
        this.settings = settings;
        this.runtimeApi = runtimeApi;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(launch(System.getenv()));
    }

    /**
     * Everything {@link #main} does but exit: the build's AOT training run ({@link Training})
     * starts the bootstrap through here too, so the cache records the path real starts take.
     */
    static int launch(Map<String, String> environment) {
        // The platform attributes each stdout line to the invocation running when it arrives, so
        // output must leave the process by the line, not when a buffer fills.
        System.setOut(lineFlushed(FileDescriptor.out));
        System.setErr(lineFlushed(FileDescriptor.err));
        try {
            if ("1".equals(environment.get(BIND_VARIABLE))) {
                return startPrewarmed(environment);
            }
            FunctionSettings settings = FunctionSettings.fromEnvironment(environment);
            return new Bootstrap(settings, new RuntimeApiClient(settings.runtimeApi()), InstantSource.system()).run();
        } catch (RuntimeSetupException e) {
            System.err.println("aloft-runtime-java: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Does all a start can before the function is known, waits to be bound to one, then continues
     * as a fresh start with the function's environment would.
     */
    private static int startPrewarmed(Map<String, String> generic) {
        FunctionSettings unbound = FunctionSettings.fromEnvironment(generic);
        JvmEnvironment jvmEnvironment = JvmEnvironment.live();
        var client = new RuntimeApiClient(unbound.runtimeApi());
        Warmup.run(unbound);
        Optional<Map<String, String>> binding;
        try {
            binding = client.awaitBinding();
        } catch (IOException e) {
            System.err.println("aloft-runtime-java: waiting to be bound at " + unbound.runtimeApi() + " failed: " + e);
            return 1;
        }
        if (binding.isEmpty()) {
            return 0; // the platform retired this instance before it needed it
        }
        jvmEnvironment.update(binding.get(), BIND_VARIABLE);
        var environment = new HashMap<>(generic);
        environment.putAll(binding.get());
        environment.remove(BIND_VARIABLE);
        return new Bootstrap(FunctionSettings.fromEnvironment(environment), client, InstantSource.system()).run();
    }

    /** Serves events until the Runtime API cannot be reached; returns the process exit status. */
    private int run() {
        FunctionHandler handler;
        try {
            handler = new HandlerLoader(settings.handler(), new TaskRoot(settings.taskRoot(), settings.codeOnClassPath())).load();
        } catch (HandlerInitException e) {
            return reportInitError(e);
        } catch (RuntimeException | LinkageError e) {
            return reportInitError(new HandlerInitException("Runtime.HandlerInitError",
                    "handler '" + settings.handler() + "' failed to initialize: " + e, e));
        }
        try {
            Invocation invocation = runtimeApi.next();
            while (true) {
                Served served = serve(handler, invocation);
                if (!served.takeAnother()) {
                    runtimeApi.report(served.report());
                    return 1;
                }
                invocation = runtimeApi.reportAndNext(served.report());
            }
        } catch (IOException e) {
            // The platform closes the Runtime API when it retires the instance; nothing is left to do.
            System.err.println("aloft-runtime-java: Runtime API at " + settings.runtimeApi() + " failed: " + e);
            return 1;
        }
    }

    /**
     * An invocation's outcome, to report to the Runtime API.
     *
     * @param takeAnother false when the process must not take another invocation
     */
    private record Served(RuntimeConnection.Request report, boolean takeAnother) {
    }

    /** Runs one event; the outcome is reported with the request for the next (see RuntimeConnection). */
    private Served serve(FunctionHandler handler, Invocation invocation) {
        invocation.traceId().ifPresentOrElse(
                trace -> System.setProperty(TRACE_PROPERTY, trace), () -> System.clearProperty(TRACE_PROPERTY));
        var result = new ByteArrayOutputStream();
        try {
            handler.handle(invocation.event(), result, new InvocationContext(settings, invocation, clock));
        } catch (Throwable thrown) { // everything the function throws is the caller's answer, even an Error
            ErrorReport error = ErrorReport.ofFunctionError(thrown);
            System.err.println(error.errorType() + ": " + error.errorMessage());
            error.stackTrace().forEach(frame -> System.err.println("\tat " + frame));
            flushOutput();
            // After an OutOfMemoryError or StackOverflowError the JVM's state is suspect; a fresh
            // instance is cheaper than a wrong answer.
            return new Served(runtimeApi.error(invocation.requestId(), error), !(thrown instanceof VirtualMachineError));
        }
        flushOutput();
        return new Served(runtimeApi.response(invocation.requestId(), result.toByteArray()), true);
    }

    private int reportInitError(HandlerInitException failure) {
        ErrorReport error = ErrorReport.ofInitError(failure);
        System.err.println("aloft-runtime-java: " + error.errorType() + ": " + error.errorMessage());
        try {
            runtimeApi.postInitError(error);
        } catch (IOException e) {
            System.err.println("aloft-runtime-java: could not report the init error: " + e);
        }
        return 1;
    }

    /** Output a handler printed without a final newline still belongs to its invocation. */
    private static void flushOutput() {
        System.out.flush();
        System.err.flush();
    }

    private static PrintStream lineFlushed(FileDescriptor fd) {
        return new PrintStream(new BufferedOutputStream(new FileOutputStream(fd), 8192), true, StandardCharsets.UTF_8);
    }
}
