package dev.aloft.server.edge;

import dev.aloft.server.AloftException;
import dev.aloft.server.auth.AccessKeyStore;
import dev.aloft.server.auth.SigV4Verifier;
import dev.aloft.server.events.ScheduleRunner;
import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.functions.FunctionVersions;
import dev.aloft.server.invocations.AsyncInvoker;
import dev.aloft.server.invocations.InvocationLedger;
import dev.aloft.server.invocations.Invoker;
import dev.aloft.server.instances.InstanceScheduler.ScalingState;
import dev.aloft.server.store.LogStore;
import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.LogLine;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;

import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The public HTTP server: control API under {@code /api/v1}, function URLs under {@code /fn}, the
 * AWS Lambda API under its dated prefixes ({@code /2015-03-31/functions}, …).
 */
public final class EdgeServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EdgeServer.class.getName());
    private static final int MIN_CONNECTIONS = 16;

    private final WebServer server;
    private final URI baseUrl;

    private EdgeServer(WebServer server, URI baseUrl) {
        this.server = server;
        this.baseUrl = baseUrl;
    }

    /** Everything the edge serves requests with. */
    public record Parts(FunctionRegistry registry, Invoker invoker, AsyncInvoker asyncInvoker, InvocationLedger ledger,
                        ScheduleRunner schedules, FunctionVersions versions, LogStore logStore,
                        BatchWriter<LogLine> logWriter, AccessKeyStore accessKeys, String adminToken, InstantSource clock,
                        Supplier<String> prometheusMetrics, Function<String, ScalingState> scalingStates) {}

    /**
     * How many connections the edge holds open at once, given how many file descriptors the process
     * may have (-1: no known limit); further clients wait in the listen backlog until one closes.
     * Helidon's listener treats a failed accept as the end of its socket: when a flood of
     * connections used up the descriptors, the public port closed for good while the process ran
     * on. Half leaves the rest for instances' pipes and sockets, the store and the jars.
     */
    public static int connectionLimit(long maxFileDescriptors) {
        return maxFileDescriptors < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_CONNECTIONS, maxFileDescriptors / 2));
    }

    /**
     * How often the edge looks for connections idle longer than {@code idleTimeout}: a fifth of it,
     * within [100 ms, 15 s], so one closes at most that late (plus up to a second: Helidon times
     * a connection's requests with a clock that ticks about once a second).
     */
    static Duration idleCheckPeriod(Duration idleTimeout) {
        long millis = Math.clamp(idleTimeout.toMillis() / 5, 100, 15_000);
        return Duration.ofMillis(millis);
    }

    /**
     * @param idleConnection a client connection closes once no request came for this long. A
     *                       request under way (a long invocation) is never cut; its connection
     *                       closes after the response. Without it, idle keep-alive clients held
     *                       their place under the connection cap for Helidon's 5 minutes.
     */
    public static EdgeServer start(String host, int port, int connectionLimit, Duration idleConnection, Parts parts) {
        Authenticator authenticator = new Authenticator(parts.adminToken(), new SigV4Verifier(parts.accessKeys(), parts.clock()));
        // The base URL is only known once bound (port 0); the API reads it when it answers.
        AtomicReference<URI> base = new AtomicReference<>();
        ControlApi controlApi = new ControlApi(parts.registry(), parts.invoker(), parts.logStore(), parts.logWriter(),
                base::get);
        AsyncApi asyncApi = new AsyncApi(parts.asyncInvoker());
        ScheduleApi scheduleApi = new ScheduleApi(parts.schedules());
        VersionsApi versionsApi = new VersionsApi(parts.versions());
        FunctionUrls functionUrls = new FunctionUrls(parts.registry(), parts.invoker(), authenticator, parts.clock());
        LedgerApi ledgerApi = new LedgerApi(parts.ledger(), parts.invoker(), parts.logStore(), parts.logWriter());
        AccessKeyApi accessKeyApi = new AccessKeyApi(parts.accessKeys(), authenticator);
        ScalingApi scalingApi = new ScalingApi(parts.registry(), parts.scalingStates());
        LambdaGate lambdaGate = new LambdaGate(authenticator, parts.clock());
        LambdaApi lambdaApi = new LambdaApi(parts.registry(), parts.logStore(), lambdaGate, base::get);
        LambdaVersionsApi lambdaVersionsApi = new LambdaVersionsApi(parts.versions(), lambdaGate);
        LambdaEventInvokeConfigApi lambdaEventInvokeConfigApi = new LambdaEventInvokeConfigApi(parts.registry(), lambdaGate);
        LambdaInvocations lambdaInvocations = new LambdaInvocations(parts.versions(), parts.invoker(), parts.asyncInvoker(),
                parts.logStore(), parts.logWriter(), lambdaGate);
        WebServer server = WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false) // AloftServer.close stops the parts in order
                // Responses go out in several writes; Nagle would hold a short last one for the
                // client's delayed ACK.
                .connectionOptions(options -> options.tcpNoDelay(true))
                .maxTcpConnections(connectionLimit)
                .idleConnectionTimeout(idleConnection)
                .idleConnectionPeriod(idleCheckPeriod(idleConnection))
                .routing(routing -> {
                    routes(routing, authenticator, parts.prometheusMetrics(), asyncApi, controlApi, ledgerApi, scheduleApi,
                            versionsApi, functionUrls);
                    accessKeyApi.routes(routing);
                    scalingApi.routes(routing);
                    lambdaInvocations.routes(routing);
                    lambdaApi.routes(routing);
                    lambdaVersionsApi.routes(routing);
                    lambdaEventInvokeConfigApi.routes(routing);
                    lambdaApi.unknownOperations(routing);
                })
                .build()
                .start();
        base.set(URI.create("http://" + host + ":" + server.port()));
        return new EdgeServer(server, base.get());
    }

    private static void routes(HttpRouting.Builder routing, Authenticator authenticator, Supplier<String> metrics,
                               AsyncApi asyncApi,
                               ControlApi controlApi, LedgerApi ledgerApi, ScheduleApi scheduleApi,
                               VersionsApi versionsApi, FunctionUrls functionUrls) {
        routing.error(AloftException.class, (req, res, e) -> Exchange.sendError(res, e))
                .error(RuntimeException.class, (req, res, e) -> {
                    LOG.log(Level.WARNING, "request " + req.prologue().method().text() + " " + req.path().path() + " failed", e);
                    Exchange.sendError(res, new AloftException(500, "ServiceException",
                            "internal error: " + e.getMessage() + " (see the server log)"));
                });
        // First: the warm path. Helidon tries routes in order, and each pattern route below costs a
        // regex match that a /fn request would otherwise pay for.
        functionUrls.routes(routing);
        routing.get("/health", (req, res) -> res.send("ok"))
                .get("/metrics", (req, res) -> {
                    authenticator.require(req, 0);
                    res.header("Content-Type", "text/plain; version=0.0.4").send(metrics.get());
                })
                .any("/api/v1/*", (req, res) -> {
                    authenticator.require(req, ControlApi.MAX_DEPLOY_BODY_BYTES);
                    res.next();
                });
        // Before the control API: it takes the Event invocation type of the shared invoke route.
        asyncApi.routes(routing);
        controlApi.routes(routing);
        ledgerApi.routes(routing);
        scheduleApi.routes(routing);
        versionsApi.routes(routing);
    }

    public URI baseUrl() {
        return baseUrl;
    }

    @Override
    public void close() {
        server.stop();
    }
}
