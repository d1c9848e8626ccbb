package dev.aloft.runtime;

import java.io.IOException;
import java.net.ProtocolException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The function's side of the Lambda Runtime API (2018-06-01). One connection is kept for the life
 * of the process, so every call reuses it.
 */
final class RuntimeApiClient {

    private static final String FUNCTION_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type";

    /** What {@code /aloft/bind} answers: the variables that make a prewarmed instance its function's. */
    private record Binding(Map<String, String> environment) {
    }

    private final RuntimeConnection connection;
    private final String runtimePath;
    private final String bindPath;
    private final RuntimeConnection.Request nextRequest;

    /** @param runtimeApi host:port, possibly with a path prefix the platform uses to tell instances apart */
    RuntimeApiClient(String runtimeApi) {
        int slash = runtimeApi.indexOf('/');
        String prefix = slash < 0 ? "" : runtimeApi.substring(slash);
        this.connection = new RuntimeConnection(slash < 0 ? runtimeApi : runtimeApi.substring(0, slash));
        this.runtimePath = prefix + "/2018-06-01/runtime";
        this.bindPath = prefix + "/aloft/bind";
        this.nextRequest = new RuntimeConnection.Request("GET", runtimePath + "/invocation/next", null, Map.of());
    }

    /**
     * Waits, as long as it takes, for the next event: an idle instance is parked here, so there is
     * deliberately no timeout.
     */
    Invocation next() throws IOException {
        return invocation(connection.exchange(nextRequest).getFirst());
    }

    /**
     * Reports an invocation's outcome and waits for the next event, both requests in one write. A
     * refused report (a result over 6 MB, say) leaves the process able to serve: the platform has
     * recorded that invocation as failed, and the next one is already on its way.
     */
    Invocation reportAndNext(RuntimeConnection.Request report) throws IOException {
        List<RuntimeConnection.Response> responses = connection.exchange(report, nextRequest);
        if (!posted(responses.getFirst())) {
            System.err.println("aloft-runtime-java: " + refusal(report, responses.getFirst()));
        }
        return invocation(responses.getLast());
    }

    /** Reports an invocation's outcome when the process takes no other. */
    void report(RuntimeConnection.Request report) throws IOException {
        RuntimeConnection.Response response = connection.exchange(report).getFirst();
        if (!posted(response)) {
            throw new ProtocolException(refusal(report, response));
        }
    }

    private static Invocation invocation(RuntimeConnection.Response response) throws ProtocolException {
        if (response.status() != 200) {
            throw new ProtocolException("GET /runtime/invocation/next answered " + response.status() + ": " + response.text());
        }
        Map<String, String> headers = response.headers();
        String requestId = required(headers, "lambda-runtime-aws-request-id");
        String deadlineMs = required(headers, "lambda-runtime-deadline-ms");
        Instant deadline;
        try {
            deadline = Instant.ofEpochMilli(Long.parseLong(deadlineMs));
        } catch (NumberFormatException e) {
            throw new ProtocolException("Lambda-Runtime-Deadline-Ms is not epoch milliseconds: '" + deadlineMs + "'");
        }
        return new Invocation(
                requestId,
                deadline,
                headers.getOrDefault("lambda-runtime-invoked-function-arn", ""),
                Optional.ofNullable(headers.get("lambda-runtime-trace-id")),
                response.body());
    }

    /**
     * Parks a prewarmed instance until the platform binds it to a function, deliberately without a
     * timeout, and returns the variables to add to its environment; empty when the platform
     * retired the instance instead (any answer but 200, usually 410).
     */
    Optional<Map<String, String>> awaitBinding() throws IOException {
        RuntimeConnection.Response response = connection.exchange(
                new RuntimeConnection.Request("GET", bindPath, null, Map.of())).getFirst();
        if (response.status() != 200) {
            return Optional.empty();
        }
        Binding binding = JsonMapping.read(response.body(), Binding.class);
        if (binding.environment() == null || binding.environment().containsValue(null)) {
            throw new ProtocolException("GET /aloft/bind answered without an environment of string values: "
                    + response.text());
        }
        return Optional.of(binding.environment());
    }

    /** The report of a result, for {@link #report} or {@link #reportAndNext}. */
    RuntimeConnection.Request response(String requestId, byte[] result) {
        return post("/invocation/" + requestId + "/response", result, Optional.empty());
    }

    /** The report of a function error, for {@link #report} or {@link #reportAndNext}. */
    RuntimeConnection.Request error(String requestId, ErrorReport error) {
        return post("/invocation/" + requestId + "/error", error.toJson(), Optional.of(error.errorType()));
    }

    void postInitError(ErrorReport error) throws IOException {
        report(post("/init/error", error.toJson(), Optional.of(error.errorType())));
    }

    private RuntimeConnection.Request post(String path, byte[] body, Optional<String> errorType) {
        Map<String, String> headers = errorType.map(type -> Map.of(FUNCTION_ERROR_TYPE, headerSafe(type))).orElse(Map.of());
        return new RuntimeConnection.Request("POST", runtimePath + path, body, headers);
    }

    private static boolean posted(RuntimeConnection.Response response) {
        return response.status() / 100 == 2;
    }

    private static String refusal(RuntimeConnection.Request report, RuntimeConnection.Response response) {
        return "POST " + report.path().substring(report.path().indexOf("/runtime/")) + " answered "
                + response.status() + ": " + response.text();
    }

    /** A header value must be printable ASCII; an error type is a class name, so this rarely changes one. */
    private static String headerSafe(String value) {
        return value.chars().map(c -> c >= ' ' && c <= '~' ? c : '?')
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private static String required(Map<String, String> headers, String name) throws ProtocolException {
        String value = headers.get(name);
        if (value == null) {
            throw new ProtocolException("/runtime/invocation/next answered without " + name);
        }
        return value;
    }
}
