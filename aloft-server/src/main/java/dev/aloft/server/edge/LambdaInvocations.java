package dev.aloft.server.edge;

import dev.aloft.server.AloftException;
import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.functions.FunctionVersions;
import dev.aloft.server.instances.InvocationOutcome;
import dev.aloft.server.invocations.AsyncInvoker;
import dev.aloft.server.invocations.InvocationResult;
import dev.aloft.server.invocations.Invoker;
import dev.aloft.server.invocations.Trigger;
import dev.aloft.server.store.BatchWriter;
import dev.aloft.server.store.LogLine;
import dev.aloft.server.store.LogStore;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/** Lambda's Invoke operation: RequestResponse, Event and DryRun, with {@code LogType: Tail}. */
final class LambdaInvocations {

    /** Lambda returns at most the last 4 KB of the log in {@code X-Amz-Log-Result}. */
    private static final int TAIL_BYTES = 4 * 1024;
    /**
     * An instance's output is read by its own thread, so lines it printed just before answering
     * may be stored a moment after the answer; Tail waits this long for the first one.
     */
    private static final Duration TAIL_WAIT = Duration.ofMillis(150);

    private final FunctionVersions versions;
    private final Invoker invoker;
    private final AsyncInvoker asyncInvoker;
    private final LogStore logStore;
    private final BatchWriter<LogLine> logWriter;
    private final LambdaGate gate;

    LambdaInvocations(FunctionVersions versions, Invoker invoker, AsyncInvoker asyncInvoker, LogStore logStore,
                      BatchWriter<LogLine> logWriter, LambdaGate gate) {
        this.versions = versions;
        this.invoker = invoker;
        this.asyncInvoker = asyncInvoker;
        this.logStore = logStore;
        this.logWriter = logWriter;
        this.gate = gate;
    }

    void routes(HttpRouting.Builder routing) {
        routing.post("/2015-03-31/functions/{name}/invocations", gate.signed(Invoker.MAX_PAYLOAD_BYTES, this::invoke));
    }

    private void invoke(ServerRequest req, ServerResponse res, byte[] body) {
        LambdaFunctionRef ref = LambdaGate.functionRef(req);
        FunctionConfig function = ref.resolve(versions);
        byte[] payload = body.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : body;
        String type = header(req, "X-Amz-Invocation-Type").orElse("RequestResponse");
        switch (type) {
            case "RequestResponse" -> requestResponse(req, res, ref, payload);
            case "Event" -> {
                AsyncInvoker.Submitted submitted = asyncInvoker.submit(ref.qualified(), payload, Optional.empty(), Trigger.ASYNC);
                res.status(Status.ACCEPTED_202).header("x-amzn-RequestId", submitted.invocationId()).send();
            }
            case "DryRun" -> res.status(Status.NO_CONTENT_204).send();
            default -> throw AloftException.invalid("X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, got '"
                    + type + "'");
        }
    }

    private void requestResponse(ServerRequest req, ServerResponse res, LambdaFunctionRef ref, byte[] payload) {
        String logType = header(req, "X-Amz-Log-Type").orElse("None");
        if (!logType.equals("None") && !logType.equals("Tail")) {
            throw AloftException.invalid("X-Amz-Log-Type must be None or Tail, got '" + logType + "'");
        }
        InvocationResult result = invoker.invoke(ref.qualified(), payload, Invoker.Origin.of(Trigger.INVOKE));
        res.header("x-amzn-RequestId", result.invocationId())
                .header("X-Amz-Executed-Version", result.function().version())
                .header("Content-Type", "application/json");
        if (result.outcome().errorType().isPresent()) {
            res.header("X-Amz-Function-Error", "Unhandled");
        }
        if (logType.equals("Tail")) {
            res.header("X-Amz-Log-Result", Base64.getEncoder().encodeToString(tail(result)));
        }
        res.status(Status.OK_200).send(result.outcome().body());
    }

    /** The end of the invocation's log as Lambda writes it: START, the lines, END and REPORT. */
    private byte[] tail(InvocationResult result) {
        String id = result.invocationId();
        InvocationOutcome outcome = result.outcome();
        StringBuilder log = new StringBuilder("START RequestId: ").append(id).append(" Version: ")
                .append(result.function().version()).append('\n');
        for (LogLine line : linesOf(result.function().name(), id)) {
            log.append(line.line()).append('\n');
        }
        log.append("END RequestId: ").append(id).append('\n')
                .append("REPORT RequestId: ").append(id)
                .append("\tDuration: ").append(outcome.durationMs()).append(" ms")
                .append("\tBilled Duration: ").append(Math.max(1, outcome.durationMs())).append(" ms")
                .append("\tMemory Size: ").append(result.function().memoryMb()).append(" MB");
        if (outcome.cold()) {
            log.append("\tInit Duration: ").append(outcome.initMs()).append(" ms");
        }
        log.append("\t\n");
        byte[] bytes = log.toString().getBytes(StandardCharsets.UTF_8);
        return bytes.length <= TAIL_BYTES ? bytes : Arrays.copyOfRange(bytes, bytes.length - TAIL_BYTES, bytes.length);
    }

    private List<LogLine> linesOf(String function, String invocationId) {
        long deadline = System.nanoTime() + TAIL_WAIT.toNanos();
        while (true) {
            logWriter.flush();
            List<LogLine> lines = logStore.read(function, Optional.of(invocationId), 0, 1000);
            if (!lines.isEmpty() || System.nanoTime() >= deadline) {
                return lines;
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    private static Optional<String> header(ServerRequest req, String name) {
        return req.headers().first(HeaderNames.create(name));
    }
}
