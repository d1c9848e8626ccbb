package dev.aloft.server.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.functions.Alias;
import dev.aloft.server.functions.FunctionVersion;
import dev.aloft.server.functions.FunctionVersions;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Lambda API's versions and aliases: PublishVersion, ListVersionsByFunction, *Alias. */
final class LambdaVersionsApi {

    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final FunctionVersions versions;
    private final LambdaGate gate;

    LambdaVersionsApi(FunctionVersions versions, LambdaGate gate) {
        this.versions = versions;
        this.gate = gate;
    }

    void routes(HttpRouting.Builder routing) {
        routing.post("/2015-03-31/functions/{name}/versions", gate.signed(MAX_REQUEST_BYTES, this::publish))
                .get("/2015-03-31/functions/{name}/versions", gate.signed(MAX_REQUEST_BYTES, this::listVersions))
                .post("/2015-03-31/functions/{name}/aliases", gate.signed(MAX_REQUEST_BYTES, this::createAlias))
                .get("/2015-03-31/functions/{name}/aliases", gate.signed(MAX_REQUEST_BYTES, this::listAliases))
                .get("/2015-03-31/functions/{name}/aliases/{alias}", gate.signed(MAX_REQUEST_BYTES, (req, res, body) ->
                        Exchange.sendJson(res, 200, LambdaJson.alias(versions.alias(name(req), alias(req))))))
                .put("/2015-03-31/functions/{name}/aliases/{alias}", gate.signed(MAX_REQUEST_BYTES, this::updateAlias))
                .delete("/2015-03-31/functions/{name}/aliases/{alias}", gate.signed(MAX_REQUEST_BYTES, (req, res, body) -> {
                    versions.deleteAlias(name(req), alias(req));
                    res.status(Status.NO_CONTENT_204).send();
                }));
    }

    private void publish(ServerRequest req, ServerResponse res, byte[] body) {
        String description = body.length == 0 ? "" : LambdaJson.text(ControlApi.parseJsonObject(body), "Description").orElse("");
        FunctionVersion version = versions.publish(name(req), description);
        Exchange.sendJson(res, 201, LambdaJson.configuration(version.config(), Optional.empty()));
    }

    private void listVersions(ServerRequest req, ServerResponse res, byte[] body) {
        String name = name(req);
        List<Map<String, Object>> list = new ArrayList<>();
        list.add(LambdaJson.configuration(versions.resolve(new FunctionVersions.Qualified(name, Optional.empty())), Optional.empty()));
        versions.versions(name).forEach(v -> list.add(LambdaJson.configuration(v.config(), Optional.empty())));
        Exchange.sendJson(res, 200, Map.of("Versions", list));
    }

    private void createAlias(ServerRequest req, ServerResponse res, byte[] body) {
        JsonNode json = ControlApi.parseJsonObject(body);
        String name = name(req);
        String aliasName = LambdaJson.text(json, "Name").orElseThrow(() -> AloftException.invalid("Name is required"));
        if (versions.aliases(name).stream().anyMatch(a -> a.name().equals(aliasName))) {
            throw new AloftException(409, "ResourceConflictException", "Alias already exists: "
                    + LambdaFunctionRef.arn(name) + ":" + aliasName);
        }
        Exchange.sendJson(res, 201, LambdaJson.alias(put(name, aliasName, json, Optional.empty())));
    }

    private void updateAlias(ServerRequest req, ServerResponse res, byte[] body) {
        String name = name(req);
        Alias current = versions.alias(name, alias(req));
        Exchange.sendJson(res, 200, LambdaJson.alias(put(name, current.name(), ControlApi.parseJsonObject(body), Optional.of(current))));
    }

    private void listAliases(ServerRequest req, ServerResponse res, byte[] body) {
        Exchange.sendJson(res, 200, Map.of("Aliases", versions.aliases(name(req)).stream().map(LambdaJson::alias).toList()));
    }

    /** Creates or updates an alias from a CreateAlias/UpdateAlias body; absent fields keep {@code current}'s. */
    private Alias put(String name, String aliasName, JsonNode json, Optional<Alias> current) {
        String version = LambdaJson.text(json, "FunctionVersion").or(() -> current.map(Alias::version))
                .orElseThrow(() -> AloftException.invalid("FunctionVersion is required: a version number or $LATEST"));
        Optional<String> additional = current.flatMap(Alias::additionalVersion);
        double weight = current.map(Alias::additionalWeight).orElse(0.0);
        JsonNode routing = json.get("RoutingConfig");
        if (routing != null) {
            JsonNode weights = routing.path("AdditionalVersionWeights");
            if (weights.size() > 1) {
                throw AloftException.invalid("RoutingConfig.AdditionalVersionWeights takes one version, got " + weights.size());
            }
            additional = Optional.empty();
            weight = 0;
            for (var entry : weights.properties()) {
                additional = Optional.of(entry.getKey());
                weight = entry.getValue().asDouble();
            }
        }
        String description = LambdaJson.text(json, "Description").or(() -> current.map(Alias::description)).orElse("");
        return versions.putAlias(name, aliasName, version, additional, weight, description);
    }

    private static String name(ServerRequest req) {
        return LambdaGate.functionRef(req).name();
    }

    private static String alias(ServerRequest req) {
        return req.path().pathParameters().get("alias");
    }
}
