package dev.aloft.server.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.functions.AsyncConfig;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionRegistry;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Lambda's event invoke config (Put/Update/Get/Delete/ListFunctionEventInvokeConfigs) over a
 * function's asynchronous invocation settings ({@link AsyncConfig}, the native API's
 * maxRetryAttempts, maxEventAgeSeconds, onSuccess and onFailure). Aloft keeps them on the function
 * ($LATEST); a published version keeps those it was published with. Settings equal to the
 * defaults behave as no config at all, so they read as none.
 */
final class LambdaEventInvokeConfigApi {

    private static final int MAX_REQUEST_BYTES = 64 * 1024;
    private static final String PATH = "/2019-09-25/functions/{name}/event-invoke-config";

    private final FunctionRegistry registry;
    private final LambdaGate gate;

    LambdaEventInvokeConfigApi(FunctionRegistry registry, LambdaGate gate) {
        this.registry = registry;
        this.gate = gate;
    }

    void routes(HttpRouting.Builder routing) {
        routing.put(PATH, gate.signed(MAX_REQUEST_BYTES, this::put))
                .post(PATH, gate.signed(MAX_REQUEST_BYTES, this::update))
                .get(PATH, gate.signed(MAX_REQUEST_BYTES, this::get))
                .delete(PATH, gate.signed(MAX_REQUEST_BYTES, this::delete))
                .get(PATH + "/list", gate.signed(MAX_REQUEST_BYTES, this::list));
    }

    /** PutFunctionEventInvokeConfig: the whole config; a setting the request leaves out goes back to its default. */
    private void put(ServerRequest req, ServerResponse res, byte[] body) {
        JsonNode json = ControlApi.parseJsonObject(body);
        FunctionConfig function = function(req);
        Exchange.sendJson(res, 200, view(change(function, read(json, AsyncConfig.DEFAULT))));
    }

    /** UpdateFunctionEventInvokeConfig: a setting the request leaves out keeps its value. */
    private void update(ServerRequest req, ServerResponse res, byte[] body) {
        JsonNode json = ControlApi.parseJsonObject(body);
        FunctionConfig function = function(req);
        Exchange.sendJson(res, 200, view(change(function, read(json, function.async()))));
    }

    private void get(ServerRequest req, ServerResponse res, byte[] body) {
        Exchange.sendJson(res, 200, view(configured(function(req))));
    }

    private void delete(ServerRequest req, ServerResponse res, byte[] body) {
        change(configured(function(req)), AsyncConfig.DEFAULT);
        LambdaJson.sendNoContent(res);
    }

    /** At most one config: the function's. */
    private void list(ServerRequest req, ServerResponse res, byte[] body) {
        FunctionConfig function = function(req);
        Exchange.sendJson(res, 200, Map.of("FunctionEventInvokeConfigs",
                isConfigured(function) ? List.of(view(function)) : List.of()));
    }

    /** The function a request names, unqualified or as $LATEST: where Aloft keeps the settings. */
    private FunctionConfig function(ServerRequest req) {
        LambdaFunctionRef ref = LambdaGate.functionRef(req);
        ref.qualifier().filter(qualifier -> !qualifier.equals(LambdaFunctionRef.LATEST)).ifPresent(qualifier -> {
            throw AloftException.invalid("Aloft keeps the event invoke config on the function ($LATEST), not on version or "
                    + "alias '" + qualifier + "': a published version keeps the settings it was published with; name '"
                    + ref.name() + "' without a qualifier");
        });
        return ref.resolve(registry);
    }

    private static boolean isConfigured(FunctionConfig function) {
        return !function.async().equals(AsyncConfig.DEFAULT);
    }

    private static FunctionConfig configured(FunctionConfig function) {
        if (!isConfigured(function)) {
            throw AloftException.notFound("The function " + LambdaFunctionRef.arn(function.name()) + ":"
                    + LambdaFunctionRef.LATEST + " has no EventInvokeConfig: its asynchronous invocations use the defaults "
                    + "(MaximumRetryAttempts 2, MaximumEventAgeInSeconds 21600, no destinations)");
        }
        return function;
    }

    private FunctionConfig change(FunctionConfig function, AsyncConfig async) {
        return registry.update(function.name(), current -> current.withAsync(async)).function();
    }

    /** {@code base} with the settings {@code json} names. */
    private static AsyncConfig read(JsonNode json, AsyncConfig base) {
        return new AsyncConfig(LambdaJson.integer(json, "MaximumRetryAttempts").orElse(base.maxRetryAttempts()),
                LambdaJson.integer(json, "MaximumEventAgeInSeconds").orElse(base.maxEventAgeSeconds()),
                destination(json, "OnSuccess", base.onSuccess()), destination(json, "OnFailure", base.onFailure()));
    }

    /**
     * The {@code outcome} ("OnSuccess", "OnFailure") destination of {@code DestinationConfig}:
     * {@code current} when the request leaves it out, none when it names no {@code Destination}.
     */
    private static Optional<String> destination(JsonNode json, String outcome, Optional<String> current) {
        JsonNode destinations = json.get("DestinationConfig");
        if (destinations == null || destinations.isNull()) {
            return current;
        }
        if (!destinations.isObject()) {
            throw AloftException.invalid("DestinationConfig must be an object: {\"OnFailure\": {\"Destination\": \"ARN\"}}");
        }
        JsonNode target = destinations.get(outcome);
        if (target == null || target.isNull()) {
            return current;
        }
        if (!target.isObject()) {
            throw AloftException.invalid("DestinationConfig." + outcome + " must be an object: {\"Destination\": \"ARN\"}");
        }
        return LambdaJson.text(target, "Destination").filter(arn -> !arn.isEmpty()).map(arn -> AsyncConfig.functionDestination(
                destinationFunction("DestinationConfig." + outcome + ".Destination", arn)));
    }

    /** The function a destination ARN names: Aloft sends destination records to functions' $LATEST only. */
    private static String destinationFunction(String field, String arn) {
        String[] parts = arn.split(":", -1);
        if (parts.length < 3 || !parts[0].equals("arn") || !parts[2].equals("lambda")) {
            throw AloftException.invalid(field + " '" + arn + "' is not a function ARN: Aloft sends destination records to "
                    + "functions only (arn:aws:lambda:REGION:ACCOUNT:function:NAME), not to queues, topics, buses or buckets");
        }
        LambdaFunctionRef ref = LambdaFunctionRef.parse(arn, Optional.empty());
        if (ref.qualifier().isPresent()) {
            throw AloftException.invalid(field + " '" + arn + "' names a version or alias: Aloft sends destination records "
                    + "to the function's $LATEST; name the function without a qualifier");
        }
        return ref.name();
    }

    /** A FunctionEventInvokeConfig. */
    private static Map<String, Object> view(FunctionConfig function) {
        AsyncConfig async = function.async();
        Map<String, Object> view = new LinkedHashMap<>();
        // Aloft does not date the settings apart from the function: its last change stands in.
        view.put("LastModified", function.updatedAt().toEpochMilli() / 1000.0);
        view.put("FunctionArn", LambdaFunctionRef.arn(function.name()) + ":" + LambdaFunctionRef.LATEST);
        view.put("MaximumRetryAttempts", async.maxRetryAttempts());
        view.put("MaximumEventAgeInSeconds", async.maxEventAgeSeconds());
        view.put("DestinationConfig", Map.of("OnSuccess", destinationView(async.onSuccessFunction()),
                "OnFailure", destinationView(async.onFailureFunction())));
        return view;
    }

    private static Map<String, String> destinationView(Optional<String> function) {
        return function.map(name -> Map.of("Destination", LambdaFunctionRef.arn(name))).orElse(Map.of());
    }
}
