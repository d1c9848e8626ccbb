package dev.aloft.server.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.functions.AsyncConfig;
import dev.aloft.server.functions.DeployRequest;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.functions.Runtime;
import dev.aloft.server.store.LogStore;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The function-management operations of the AWS Lambda API ({@code /2015-03-31/functions…},
 * concurrency, account settings), so the AWS SDKs and CLI manage Aloft functions unchanged.
 * Invoke is in {@link LambdaInvocations}.
 */
final class LambdaApi {

    /** Lambda's limit for a CreateFunction or UpdateFunctionCode request: a 50 MB zip in base64. */
    private static final int MAX_CODE_REQUEST_BYTES = 70 * 1024 * 1024;
    private static final int MAX_CONFIG_REQUEST_BYTES = 1024 * 1024;
    private static final int DEFAULT_MEMORY_MB = 128;
    private static final int DEFAULT_TIMEOUT_SECONDS = 3;
    private static final int DEFAULT_MAX_ITEMS = 50;
    private static final int MAX_MAX_ITEMS = 10_000;
    private static final long MAX_CODE_STORAGE_BYTES = 75L * 1024 * 1024 * 1024;

    private final FunctionRegistry registry;
    private final LogStore logStore;
    private final LambdaGate gate;
    private final Supplier<URI> baseUrl;

    LambdaApi(FunctionRegistry registry, LogStore logStore, LambdaGate gate, Supplier<URI> baseUrl) {
        this.registry = registry;
        this.logStore = logStore;
        this.gate = gate;
        this.baseUrl = baseUrl;
    }

    void routes(HttpRouting.Builder routing) {
        routing.post("/2015-03-31/functions", gate.signed(MAX_CODE_REQUEST_BYTES, this::create))
                .post("/2015-03-31/functions/", gate.signed(MAX_CODE_REQUEST_BYTES, this::create))
                .get("/2015-03-31/functions", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::list))
                .get("/2015-03-31/functions/", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::list))
                .get("/2015-03-31/functions/{name}", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::get))
                .get("/2015-03-31/functions/{name}/configuration", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::getConfiguration))
                .put("/2015-03-31/functions/{name}/code", gate.signed(MAX_CODE_REQUEST_BYTES, this::updateCode))
                .put("/2015-03-31/functions/{name}/configuration", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::updateConfiguration))
                .delete("/2015-03-31/functions/{name}", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::delete))
                .put("/2017-10-31/functions/{name}/concurrency", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::putConcurrency))
                .delete("/2017-10-31/functions/{name}/concurrency", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::deleteConcurrency))
                .get("/2019-09-30/functions/{name}/concurrency", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::getConcurrency))
                .get("/2016-08-19/account-settings", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::accountSettings))
                .get("/2016-08-19/account-settings/", gate.signed(MAX_CONFIG_REQUEST_BYTES, this::accountSettings));
    }

    /** After every other route: an operation Aloft lacks still needs a signature, then says so. */
    void unknownOperations(HttpRouting.Builder routing) {
        for (String prefix : List.of("/2015-03-31/*", "/2016-08-19/*", "/2017-10-31/*", "/2019-09-25/*", "/2019-09-30/*")) {
            routing.any(prefix, gate.signed(MAX_CONFIG_REQUEST_BYTES, (req, res, body) -> {
                throw new AloftException(404, "UnknownOperationException", "Aloft does not implement "
                        + req.prologue().method().text() + " " + req.path().path() + " of the Lambda API");
            }));
        }
    }

    private void create(ServerRequest req, ServerResponse res, byte[] body) {
        JsonNode json = ControlApi.parseJsonObject(body);
        String identifier = LambdaJson.text(json, "FunctionName").orElseThrow(() -> AloftException.invalid(
                "FunctionName is required"));
        LambdaFunctionRef ref = LambdaFunctionRef.parse(identifier, Optional.empty());
        if (ref.qualifier().isPresent()) {
            throw AloftException.invalid("FunctionName of a new function cannot have a qualifier, got '" + identifier + "'");
        }
        if (LambdaJson.text(json, "PackageType").filter(type -> !type.equals("Zip")).isPresent()) {
            throw AloftException.invalid("PackageType must be Zip: Aloft does not run container images");
        }
        Runtime runtime = LambdaJson.runtime(LambdaJson.text(json, "Runtime").orElseThrow(() -> AloftException.invalid(
                "Runtime is required, e.g. nodejs20.x, python3.12, java21 or provided.al2023")));
        String handler = LambdaJson.text(json, "Handler")
                .or(() -> runtime == Runtime.PROVIDED ? Optional.of("bootstrap") : Optional.empty())
                .orElseThrow(() -> AloftException.invalid("Handler is required for " + runtime.id()
                        + ", e.g. 'index.handler' (Node.js), 'app.handler' (Python), 'example.Hello::handleRequest' (Java)"));
        JsonNode code = json.get("Code");
        if (code == null || !code.isObject()) {
            throw AloftException.invalid("Code is required: {\"ZipFile\": \"<base64 of a .zip>\"}");
        }
        byte[] zip = LambdaJson.zipFile(code, "Code.ZipFile");
        if (registry.find(ref.name()).isPresent()) {
            throw new AloftException(409, "ResourceConflictException", "Function already exist: " + ref.name());
        }
        FunctionRegistry.Deployed deployed = registry.deploy(new DeployRequest(ref.name(), runtime.id(), handler,
                LambdaJson.integer(json, "MemorySize").orElse(DEFAULT_MEMORY_MB),
                LambdaJson.integer(json, "Timeout").orElse(DEFAULT_TIMEOUT_SECONDS),
                LambdaJson.environment(json).orElse(Map.of()), DeployRequest.DEFAULT_CONCURRENCY, 0, 0, false, false,
                AsyncConfig.DEFAULT, zip));
        Exchange.sendJson(res, 201, LambdaJson.configuration(deployed.function(), LambdaJson.text(json, "Role")));
    }

    private void get(ServerRequest req, ServerResponse res, byte[] body) {
        FunctionConfig f = LambdaGate.functionRef(req).resolve(registry);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("Configuration", LambdaJson.configuration(f, Optional.empty()));
        // Aloft serves no code downloads; the SDKs only need a well-formed location.
        view.put("Code", Map.of("RepositoryType", "S3",
                "Location", baseUrl.get().resolve("/2015-03-31/functions/" + f.name() + "/code-not-downloadable").toString()));
        if (f.reservedConcurrency() > 0) {
            view.put("Concurrency", Map.of("ReservedConcurrentExecutions", f.reservedConcurrency()));
        }
        Exchange.sendJson(res, 200, view);
    }

    private void getConfiguration(ServerRequest req, ServerResponse res, byte[] body) {
        Exchange.sendJson(res, 200, LambdaJson.configuration(LambdaGate.functionRef(req).resolve(registry), Optional.empty()));
    }

    /** Pages by name: the marker is the last name of the previous page. */
    private void list(ServerRequest req, ServerResponse res, byte[] body) {
        int maxItems = req.query().first("MaxItems").asOptional()
                .map(value -> Exchange.boundedInt("MaxItems", value, 1, MAX_MAX_ITEMS)).orElse(DEFAULT_MAX_ITEMS);
        Optional<String> marker = req.query().first("Marker").asOptional().filter(m -> !m.isEmpty());
        FunctionRegistry.FunctionPage page = registry.page(marker, maxItems);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("Functions", page.functions().stream().map(f -> LambdaJson.configuration(f, Optional.empty())).toList());
        page.continueAfter().ifPresent(next -> view.put("NextMarker", next));
        Exchange.sendJson(res, 200, view);
    }

    private void updateCode(ServerRequest req, ServerResponse res, byte[] body) {
        JsonNode json = ControlApi.parseJsonObject(body);
        byte[] zip = LambdaJson.zipFile(json, "ZipFile");
        FunctionConfig f = LambdaGate.functionRef(req).resolve(registry);
        FunctionRegistry.Deployed deployed = registry.update(f.name(), current -> new DeployRequest(current.name(),
                current.runtime(), current.handler(), current.memoryMb(), current.timeoutSeconds(), current.environment(),
                current.concurrency(), current.minInstances(), current.reservedConcurrency(), current.publicUrl(), current.sensitive(),
                current.async(), zip));
        Exchange.sendJson(res, 200, LambdaJson.configuration(deployed.function(), Optional.empty()));
    }

    private void updateConfiguration(ServerRequest req, ServerResponse res, byte[] body) {
        JsonNode json = ControlApi.parseJsonObject(body);
        Optional<Runtime> runtime = LambdaJson.text(json, "Runtime").map(LambdaJson::runtime);
        Optional<String> handler = LambdaJson.text(json, "Handler");
        Optional<Integer> memoryMb = LambdaJson.integer(json, "MemorySize");
        Optional<Integer> timeoutSeconds = LambdaJson.integer(json, "Timeout");
        Optional<Map<String, String>> environment = LambdaJson.environment(json);
        FunctionConfig f = LambdaGate.functionRef(req).resolve(registry);
        FunctionRegistry.Deployed deployed = registry.update(f.name(), current -> new DeployRequest(current.name(),
                runtime.map(Runtime::id).orElse(current.runtime()), handler.orElse(current.handler()),
                memoryMb.orElse(current.memoryMb()), timeoutSeconds.orElse(current.timeoutSeconds()),
                environment.orElse(current.environment()), current.concurrency(), current.minInstances(),
                current.reservedConcurrency(), current.publicUrl(),
                current.sensitive(),
                current.async(), current.zip()));
        Exchange.sendJson(res, 200, LambdaJson.configuration(deployed.function(), LambdaJson.text(json, "Role")));
    }

    private void delete(ServerRequest req, ServerResponse res, byte[] body) {
        FunctionConfig f = LambdaGate.functionRef(req).resolve(registry);
        registry.delete(f.name());
        logStore.deleteFunction(f.name());
        LambdaJson.sendNoContent(res);
    }

    /**
     * As in Lambda, reserved concurrency both caps the function (its instance limit) and guarantees
     * it (its share of the node memory budget is kept for it). Lambda's 0 (turn the function off)
     * has no equivalent: every Aloft function may run at least one instance.
     */
    private void putConcurrency(ServerRequest req, ServerResponse res, byte[] body) {
        JsonNode json = ControlApi.parseJsonObject(body);
        int reserved = LambdaJson.integer(json, "ReservedConcurrentExecutions").orElseThrow(() -> AloftException.invalid(
                "ReservedConcurrentExecutions is required"));
        if (reserved < 1 || reserved > DeployRequest.MAX_CONCURRENCY) {
            throw AloftException.invalid("ReservedConcurrentExecutions must be between 1 and " + DeployRequest.MAX_CONCURRENCY
                    + ", got " + reserved + (reserved == 0 ? " (Aloft cannot switch a function off; delete it instead)" : ""));
        }
        setConcurrency(req, reserved, reserved, "ReservedConcurrentExecutions " + reserved + " is");
        Exchange.sendJson(res, 200, Map.of("ReservedConcurrentExecutions", reserved));
    }

    /** No reservation, and back to the default limit: Aloft functions always have one. */
    private void deleteConcurrency(ServerRequest req, ServerResponse res, byte[] body) {
        setConcurrency(req, DeployRequest.DEFAULT_CONCURRENCY, 0,
                "DeleteFunctionConcurrency would restore the default concurrency " + DeployRequest.DEFAULT_CONCURRENCY + ",");
        LambdaJson.sendNoContent(res);
    }

    private void getConcurrency(ServerRequest req, ServerResponse res, byte[] body) {
        FunctionConfig f = concurrencyOf(req);
        Exchange.sendJson(res, 200, f.reservedConcurrency() > 0
                ? Map.of("ReservedConcurrentExecutions", f.reservedConcurrency()) : Map.of());
    }

    /**
     * Refuses a concurrency below the function's provisioned minimum rather than lowering
     * minInstances, which the Lambda API cannot see (Lambda likewise refuses reserved concurrency
     * below provisioned concurrency). DeployRequest enforces the same rule; this check only names
     * the Lambda call ({@code change}) in the message.
     */
    private void setConcurrency(ServerRequest req, int concurrency, int reservedConcurrency, String change) {
        FunctionConfig f = concurrencyOf(req);
        registry.update(f.name(), current -> {
            if (current.minInstances() > concurrency) {
                throw AloftException.invalid(change + " below the function's provisioned minimum (minInstances "
                        + current.minInstances() + "); lower minInstances first");
            }
            return new DeployRequest(current.name(), current.runtime(), current.handler(), current.memoryMb(),
                    current.timeoutSeconds(), current.environment(), concurrency, current.minInstances(),
                    reservedConcurrency, current.publicUrl(), current.sensitive(), current.async(), current.zip());
        });
    }

    /** The function whose concurrency a request names: Lambda keeps it per function, never per version. */
    private FunctionConfig concurrencyOf(ServerRequest req) {
        return LambdaGate.functionRef(req).unqualified("ReservedConcurrentExecutions").resolve(registry);
    }

    private void accountSettings(ServerRequest req, ServerResponse res, byte[] body) {
        List<FunctionConfig> functions = registry.list();
        long codeBytes = functions.stream().mapToLong(FunctionConfig::codeSizeBytes).sum();
        int reserved = functions.stream().mapToInt(FunctionConfig::reservedConcurrency).sum();
        Map<String, Object> limit = new LinkedHashMap<>();
        limit.put("TotalCodeSize", MAX_CODE_STORAGE_BYTES);
        limit.put("CodeSizeUnzipped", 250L * 1024 * 1024);
        limit.put("CodeSizeZipped", 50L * 1024 * 1024);
        limit.put("ConcurrentExecutions", DeployRequest.MAX_CONCURRENCY);
        // Reservations are bounded by the node memory budget, not by this count: a large node may hold more.
        limit.put("UnreservedConcurrentExecutions", Math.max(0, DeployRequest.MAX_CONCURRENCY - reserved));
        Exchange.sendJson(res, 200, Map.of("AccountLimit", limit,
                "AccountUsage", Map.of("TotalCodeSize", codeBytes, "FunctionCount", functions.size())));
    }
}
