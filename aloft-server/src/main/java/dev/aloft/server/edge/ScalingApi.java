package dev.aloft.server.edge;

import dev.aloft.server.functions.FunctionRegistry;
import dev.aloft.server.instances.InstanceScheduler.PoolState;
import dev.aloft.server.instances.InstanceScheduler.ScalingState;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * What a function's instances are doing and what its keep-alive has learned, per version: the
 * answer to "why was that call cold?" ({@code aloft get NAME} prints it).
 */
final class ScalingApi {

    private final FunctionRegistry registry;
    private final Function<String, ScalingState> scalingStates;

    ScalingApi(FunctionRegistry registry, Function<String, ScalingState> scalingStates) {
        this.registry = registry;
        this.scalingStates = scalingStates;
    }

    void routes(HttpRouting.Builder routing) {
        routing.get("/api/v1/functions/{name}/scaling", this::scaling);
    }

    private void scaling(ServerRequest req, ServerResponse res) {
        String name = ControlApi.name(req);
        registry.get(name);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("function", name);
        ScalingState state = scalingStates.apply(name);
        view.put("pools", state.pools().stream().map(ScalingApi::view).toList());
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("nodeSaturated", state.nodeCpuSaturated());
        cpu.put("quotaCores", state.cpuQuotaCores().isPresent() ? state.cpuQuotaCores().getAsDouble() : null);
        cpu.put("callersHeld", state.callersHeldForCpu());
        view.put("cpu", cpu);
        Exchange.sendJson(res, 200, view);
    }

    private static Map<String, Object> view(PoolState pool) {
        Map<String, Object> instances = new LinkedHashMap<>();
        instances.put("live", pool.live());
        instances.put("idle", pool.idle());
        instances.put("initialising", pool.initialising());
        instances.put("busy", pool.busy());
        instances.put("waitingCallers", pool.waiting());
        Map<String, Object> keepAlive = new LinkedHashMap<>();
        keepAlive.put("learned", pool.learned());
        keepAlive.put("idleTimesCounted", pool.idleTimesCounted());
        keepAlive.put("prewarmAfterSeconds", pool.prewarmAfter().toMillis() / 1000.0);
        keepAlive.put("keepAliveSeconds", pool.keepUntil().toMillis() / 1000.0);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", pool.version());
        view.put("instances", instances);
        view.put("keepAlive", keepAlive);
        return view;
    }
}
