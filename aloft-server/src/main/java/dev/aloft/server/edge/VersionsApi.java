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

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Versions and aliases over HTTP ({@code /api/v1/functions/{name}/versions|aliases}). */
final class VersionsApi {

    private final FunctionVersions versions;

    VersionsApi(FunctionVersions versions) {
        this.versions = versions;
    }

    void routes(HttpRouting.Builder routing) {
        routing.post("/api/v1/functions/{name}/versions", this::publish)
                .get("/api/v1/functions/{name}/versions", (req, res) -> Exchange.sendJson(res, 200, Map.of("versions",
                        versions.versions(ControlApi.name(req)).stream().map(VersionsApi::view).toList())))
                .put("/api/v1/functions/{name}/aliases/{alias}", this::putAlias)
                .get("/api/v1/functions/{name}/aliases", (req, res) -> Exchange.sendJson(res, 200, Map.of("aliases",
                        versions.aliases(ControlApi.name(req)).stream().map(VersionsApi::view).toList())))
                .get("/api/v1/functions/{name}/aliases/{alias}", (req, res) -> Exchange.sendJson(res, 200,
                        view(versions.alias(ControlApi.name(req), req.path().pathParameters().get("alias")))))
                .delete("/api/v1/functions/{name}/aliases/{alias}", (req, res) -> {
                    versions.deleteAlias(ControlApi.name(req), req.path().pathParameters().get("alias"));
                    res.status(Status.NO_CONTENT_204).send();
                });
    }

    private void publish(ServerRequest req, ServerResponse res) {
        byte[] body = Exchange.body(req, 64 * 1024, "publish request");
        String description = body.length == 0 ? ""
                : ControlApi.text(ControlApi.parseJsonObject(body), "description").orElse("");
        String name = ControlApi.name(req);
        int before = versions.versions(name).size();
        FunctionVersion version = versions.publish(name, description);
        Exchange.sendJson(res, versions.versions(name).size() > before ? 201 : 200, view(version));
    }

    private void putAlias(ServerRequest req, ServerResponse res) {
        JsonNode body = ControlApi.parseJsonObject(Exchange.body(req, 64 * 1024, "alias request"));
        String version = ControlApi.text(body, "version").orElseThrow(() -> AloftException.invalid(
                "version is required: the version number (or $LATEST) the alias points to"));
        Optional<String> additional = ControlApi.text(body, "additionalVersion");
        JsonNode weight = body.path("additionalWeight");
        if (additional.isPresent() && !weight.isNumber()) {
            throw AloftException.invalid("additionalWeight is required with additionalVersion: a number between 0 and 1");
        }
        Alias alias = versions.putAlias(ControlApi.name(req), req.path().pathParameters().get("alias"), version, additional,
                weight.asDouble(0), ControlApi.text(body, "description").orElse(""));
        Exchange.sendJson(res, 200, view(alias));
    }

    private static Map<String, Object> view(FunctionVersion v) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", Integer.toString(v.number()));
        view.put("description", v.description());
        view.put("codeSha256", v.config().codeSha256());
        view.put("runtime", v.config().runtime().id());
        view.put("handler", v.config().handler());
        view.put("memoryMb", v.config().memoryMb());
        view.put("timeoutSeconds", v.config().timeoutSeconds());
        view.put("environment", v.config().environment());
        view.put("publishedAt", v.config().updatedAt().toString());
        return view;
    }

    private static Map<String, Object> view(Alias a) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", a.name());
        view.put("function", a.functionName());
        view.put("version", a.version());
        view.put("additionalVersion", a.additionalVersion().orElse(null));
        view.put("additionalWeight", a.additionalVersion().isPresent() ? a.additionalWeight() : null);
        view.put("description", a.description());
        view.put("updatedAt", a.updatedAt().toString());
        return view;
    }
}
