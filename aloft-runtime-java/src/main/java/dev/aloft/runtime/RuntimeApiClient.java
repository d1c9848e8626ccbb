package dev.aloft.runtime;

import java.io.IOException;
import java.net.ProtocolException;
import java.net.URI;
import java.security.NoSuchAlgorithmException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The function's side of the Lambda Runtime API (2018-06-01). One HTTP/1.1 client is kept for the
 * life of the process so every call reuses the same connection to the platform.
 */
final class RuntimeApiClient {

    private static final String FUNCTION_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type";

    /** What {@code /aloft/bind} answers: the variables that make a prewarmed instance its function's. */
    private record Binding(Map<String, String> environment) {
    }

    private final HttpClient http;
    private final String baseUrl;
    private final URI bindUrl;

    /** @param runtimeApi host:port, possibly with a path prefix the platform uses to tell instances apart */
    RuntimeApiClient(String runtimeApi) {
        this.baseUrl = "http://" + runtimeApi + "/2018-06-01/runtime";
        this.bindUrl = URI.create("http://" + runtimeApi + "/aloft/bind");
        try {
            // The Runtime API is plain HTTP on the host. Left to itself the client initializes the
            // default TLS context (trust store, key managers): measured at ~0.3 s of a cold start.
            // An uninitialized context with explicit parameters is never touched over http://.
            this.http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .proxy(HttpClient.Builder.NO_PROXY)
                    .sslContext(SSLContext.getInstance("TLS"))
                    .sslParameters(new SSLParameters())
                    .build();
        } catch (NoSuchAlgorithmException e) {
            throw new RuntimeSetupException("this JDK has no TLS implementation, which java.net.http requires", e);
        }
    }

    /**
     * Waits, as long as it takes, for the next event: an idle instance is parked here, so there is
     * deliberately no timeout.
     */
    Invocation next() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/invocation/next")).GET().build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new ProtocolException("GET /runtime/invocation/next answered " + response.statusCode()
                    + ": " + new String(response.body(), StandardCharsets.UTF_8));
        }
        HttpHeaders headers = response.headers();
        String requestId = required(headers, "Lambda-Runtime-Aws-Request-Id");
        String deadlineMs = required(headers, "Lambda-Runtime-Deadline-Ms");
        Instant deadline;
        try {
            deadline = Instant.ofEpochMilli(Long.parseLong(deadlineMs));
        } catch (NumberFormatException e) {
            throw new ProtocolException("Lambda-Runtime-Deadline-Ms is not epoch milliseconds: '" + deadlineMs + "'");
        }
        return new Invocation(
                requestId,
                deadline,
                headers.firstValue("Lambda-Runtime-Invoked-Function-Arn").orElse(""),
                headers.firstValue("Lambda-Runtime-Trace-Id"),
                response.body());
    }

    /**
     * Parks a prewarmed instance until the platform binds it to a function, deliberately without a
     * timeout, and returns the variables to add to its environment; empty when the platform
     * retired the instance instead (any answer but 200, usually 410).
     */
    Optional<Map<String, String>> awaitBinding() throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(bindUrl).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            return Optional.empty();
        }
        Binding binding = JsonMapping.read(response.body(), Binding.class);
        if (binding.environment() == null || binding.environment().containsValue(null)) {
            throw new ProtocolException("GET /aloft/bind answered without an environment of string values: "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return Optional.of(binding.environment());
    }

    void postResponse(String requestId, byte[] result) throws IOException, InterruptedException {
        post("/invocation/" + requestId + "/response", result, Optional.empty());
    }

    void postError(String requestId, ErrorReport error) throws IOException, InterruptedException {
        post("/invocation/" + requestId + "/error", error.toJson(), Optional.of(error.errorType()));
    }

    void postInitError(ErrorReport error) throws IOException, InterruptedException {
        post("/init/error", error.toJson(), Optional.of(error.errorType()));
    }

    private void post(String path, byte[] body, Optional<String> errorType) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        errorType.ifPresent(type -> request.header(FUNCTION_ERROR_TYPE, type));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new ProtocolException("POST /runtime" + path + " answered " + response.statusCode()
                    + ": " + response.body());
        }
    }

    private static String required(HttpHeaders headers, String name) throws ProtocolException {
        return headers.firstValue(name).orElseThrow(
                () -> new ProtocolException("/runtime/invocation/next answered without " + name));
    }
}
