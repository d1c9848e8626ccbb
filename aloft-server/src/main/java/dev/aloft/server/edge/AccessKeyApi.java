package dev.aloft.server.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.auth.AccessKey;
import dev.aloft.server.auth.AccessKeyStore;
import dev.aloft.server.auth.IssuedKey;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Access keys over HTTP: issue, list, delete. Only the admin token may manage keys, so a leaked
 * key cannot mint others.
 */
final class AccessKeyApi {

    private static final int MAX_DESCRIPTION_CHARS = 256;

    private final AccessKeyStore keys;
    private final Authenticator authenticator;

    AccessKeyApi(AccessKeyStore keys, Authenticator authenticator) {
        this.keys = keys;
        this.authenticator = authenticator;
    }

    void routes(HttpRouting.Builder routing) {
        routing.post("/api/v1/keys", this::create)
                .get("/api/v1/keys", this::list)
                .delete("/api/v1/keys/{id}", this::delete);
    }

    private void create(ServerRequest req, ServerResponse res) {
        authenticator.requireAdmin(req);
        byte[] body = Exchange.body(req, 64 * 1024, "key request");
        String description = "";
        if (body.length > 0) {
            JsonNode json = ControlApi.parseJsonObject(body);
            description = ControlApi.text(json, "description").orElse("");
        }
        if (description.length() > MAX_DESCRIPTION_CHARS) {
            throw AloftException.invalid("description must be at most " + MAX_DESCRIPTION_CHARS
                    + " characters, got " + description.length());
        }
        IssuedKey issued = keys.create(description);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("accessKeyId", issued.accessKeyId());
        view.put("secretAccessKey", issued.secretAccessKey());
        view.put("description", description);
        view.put("createdAt", issued.createdAt().toString());
        Exchange.sendJson(res, 201, view);
    }

    private void list(ServerRequest req, ServerResponse res) {
        authenticator.requireAdmin(req);
        Exchange.sendJson(res, 200, Map.of("keys", keys.list().stream().map(AccessKeyApi::view).toList()));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        authenticator.requireAdmin(req);
        keys.delete(req.path().pathParameters().get("id"));
        res.status(Status.NO_CONTENT_204).send();
    }

    private static Map<String, Object> view(AccessKey key) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("accessKeyId", key.accessKeyId());
        view.put("description", key.description());
        view.put("createdAt", key.createdAt().toString());
        view.put("lastUsedAt", key.lastUsedAt().map(Object::toString).orElse(null));
        view.put("disabled", key.disabled());
        return view;
    }
}
