package dev.aloft.server.edge;

import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.functions.FunctionVersions.Qualified;
import dev.aloft.server.instances.InvocationOutcome;
import dev.aloft.server.invocations.InvocationResult;
import dev.aloft.server.invocations.Invoker;
import dev.aloft.server.invocations.Trigger;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.UUID;

/**
 * Function URLs: any method on {@code /fn/NAME[/path]} invokes NAME with an HTTP API 2.0 event.
 * Failures answer like Lambda function URLs (502/504 with no internals); the invocation id
 * header lets the owner find the logs.
 */
final class FunctionUrls {

    private final FunctionRegistry registry;
    private final Invoker invoker;
    private final Authenticator authenticator;
    private final InstantSource clock;

    FunctionUrls(FunctionRegistry registry, Invoker invoker, Authenticator authenticator, InstantSource clock) {
        this.registry = registry;
        this.invoker = invoker;
        this.authenticator = authenticator;
        this.clock = clock;
    }

    void routes(HttpRouting.Builder routing) {
        routing.any("/fn/{name}", (req, res) -> handle(req, res, "/"))
                .any("/fn/{name}/", (req, res) -> handle(req, res, "/"))
                .any("/fn/{name}/{+path}", (req, res) -> handle(req, res, "/" + req.path().pathParameters().get("path")));
    }

    private void handle(ServerRequest req, ServerResponse res, String rawPath) {
        Qualified target = Qualified.parse(req.path().pathParameters().get("name"));
        String name = target.name();
        FunctionConfig function = registry.get(name);
        if (!function.publicUrl()) {
            authenticator.require(req, Invoker.MAX_PAYLOAD_BYTES);
        }
        byte[] body = Exchange.body(req, Invoker.MAX_PAYLOAD_BYTES, "request body");
        String requestId = UUID.randomUUID().toString();
        byte[] event = HttpApiEvents.event(req, name, rawPath, requestId, body, !function.publicUrl(), clock.instant());
        InvocationResult result = invoker.invoke(target, event, Invoker.Origin.of(Trigger.HTTP));
        res.header("X-Aloft-Invocation-Id", result.invocationId());
        InvocationOutcome outcome = result.outcome();
        if (!outcome.succeeded()) {
            boolean timedOut = outcome.status() == InvocationOutcome.Status.TIMEOUT;
            res.status(timedOut ? Status.GATEWAY_TIMEOUT_504 : Status.BAD_GATEWAY_502)
                    .header("Content-Type", "application/json")
                    .send((timedOut ? "{\"Message\":\"Endpoint request timed out\"}" : "{\"Message\":\"Internal Server Error\"}")
                            .getBytes(StandardCharsets.UTF_8));
            return;
        }
        HttpApiEvents.HttpResult http = HttpApiEvents.result(outcome.body());
        res.status(Status.create(http.status()));
        http.headers().forEach((header, values) -> res.header(header, values.toArray(String[]::new)));
        res.send(http.body());
    }
}
