package dev.aloft.server.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.events.CatchUp;
import dev.aloft.server.events.ScheduleRunner;
import dev.aloft.server.events.StoredSchedule;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Schedules over HTTP: add to a function, list, remove. */
final class ScheduleApi {

    private final ScheduleRunner schedules;

    ScheduleApi(ScheduleRunner schedules) {
        this.schedules = schedules;
    }

    void routes(HttpRouting.Builder routing) {
        routing.post("/api/v1/functions/{name}/schedules", this::add)
                .get("/api/v1/functions/{name}/schedules", (req, res) -> list(res, Optional.of(ControlApi.name(req))))
                .get("/api/v1/schedules", (req, res) -> list(res, Optional.empty()))
                .delete("/api/v1/schedules/{id}", this::remove);
    }

    private void add(ServerRequest req, ServerResponse res) {
        JsonNode body = ControlApi.parseJsonObject(Exchange.body(req, 300 * 1024, "schedule request"));
        Optional<String> input = Optional.ofNullable(body.get("input")).filter(n -> !n.isNull())
                .map(n -> n.isTextual() ? n.asText() : n.toString());
        StoredSchedule added = schedules.add(ControlApi.qualified(req), ControlApi.text(body, "cron"), ControlApi.text(body, "rate"),
                ControlApi.text(body, "timezone").orElse("UTC"), input, catchUp(ControlApi.text(body, "catchUp").orElse("fire-once")));
        Exchange.sendJson(res, 201, view(added));
    }

    private void list(ServerResponse res, Optional<String> function) {
        Exchange.sendJson(res, 200, Map.of("schedules", schedules.list(function).stream().map(ScheduleApi::view).toList()));
    }

    private void remove(ServerRequest req, ServerResponse res) {
        schedules.remove(req.path().pathParameters().get("id"));
        res.status(Status.NO_CONTENT_204).send();
    }

    private static CatchUp catchUp(String value) {
        return switch (value) {
            case "fire-once" -> CatchUp.FIRE_ONCE;
            case "skip" -> CatchUp.SKIP;
            default -> throw AloftException.invalid("catchUp must be fire-once or skip, got '" + value + "'");
        };
    }

    private static Map<String, Object> view(StoredSchedule s) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", s.id());
        view.put("function", s.functionName());
        view.put("qualifier", s.qualifier().orElse(null));
        view.put("cron", s.schedule().cron().orElse(null));
        view.put("rate", s.schedule().rate().orElse(null));
        view.put("timezone", s.schedule().timezone());
        view.put("description", s.schedule().describe());
        view.put("input", s.input().orElse(null));
        view.put("catchUp", s.catchUp().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        view.put("lastFired", s.lastFired().toString());
        view.put("nextFire", s.schedule().nextFireAfter(s.lastFired()).map(Object::toString).orElse(null));
        return view;
    }
}
