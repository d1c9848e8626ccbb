package dev.aloft.server.auth;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.aloft.server.AloftException;
import dev.aloft.server.store.Database;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the real Lambda client sends, through a real HTTP server, verifies; what it gets back on failure is typed. */
class SigV4LambdaClientTest {

    @TempDir
    Path dataDir;
    private Database database;
    private AccessKeyStore keys;
    private IssuedKey key;
    private HttpServer server;
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final List<VerifiedCaller> callers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        database = Database.open(dataDir.resolve("aloft.db"));
        keys = new AccessKeyStore(database, dataDir, InstantSource.system());
        key = keys.create("sdk");
        SigV4Verifier verifier = new SigV4Verifier(keys, InstantSource.system());
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> answer(exchange, verifier));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        database.close();
    }

    @Test
    void listFunctionsFromTheSdkVerifies() {
        try (LambdaClient lambda = client(key.accessKeyId(), key.secretAccessKey())) {
            assertThat(lambda.listFunctions(r -> r.maxItems(10).marker("a/b=c")).functions()).isEmpty();
        }
        assertThat(callers).containsExactly(new VerifiedCaller(key.accessKeyId(), "us-east-1", "lambda"));
    }

    @Test
    void invokeOfAQualifiedArnFromTheSdkVerifies() {
        try (LambdaClient lambda = client(key.accessKeyId(), key.secretAccessKey())) {
            InvokeResponse response = lambda.invoke(r -> r
                    .functionName("arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod")
                    .payload(SdkBytes.fromUtf8String("{\"name\": \"Ada\"}")));
            assertThat(response.statusCode()).isEqualTo(200);
        }
        // The SDK percent-encodes ':' in the path once on the wire (and signs it encoded twice).
        assertThat(requestLines).containsExactly(
                "POST /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn%3Aprod/invocations");
        assertThat(callers).hasSize(1);
    }

    @Test
    void wrongSecretGivesTheSdkATypedError() {
        try (LambdaClient lambda = client(key.accessKeyId(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")) {
            assertThatThrownBy(() -> lambda.listFunctions())
                    .isInstanceOfSatisfying(LambdaException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
                        assertThat(e.awsErrorDetails().errorMessage()).startsWith("The request signature we calculated");
                    });
        }
    }

    @Test
    void unknownKeyGivesTheSdkATypedError() {
        try (LambdaClient lambda = client("AKIAIOSFODNN7EXAMPLE", key.secretAccessKey())) {
            assertThatThrownBy(() -> lambda.listFunctions())
                    .isInstanceOfSatisfying(LambdaException.class, e ->
                            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException"));
        }
    }

    private LambdaClient client(String accessKeyId, String secret) {
        return LambdaClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secret)))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }

    private void answer(HttpExchange exchange, SigV4Verifier verifier) throws IOException {
        URI uri = exchange.getRequestURI();
        requestLines.add(exchange.getRequestMethod() + " " + uri.getRawPath());
        byte[] body = exchange.getRequestBody().readAllBytes();
        SignedRequest request = new SignedRequest(exchange.getRequestMethod(), uri.getRawPath(),
                uri.getRawQuery() == null ? "" : uri.getRawQuery(), exchange.getRequestHeaders(), body);
        try {
            callers.add(verifier.verify(request));
            respond(exchange, 200, "{\"Functions\": []}");
        } catch (AloftException e) {
            exchange.getResponseHeaders().add("x-amzn-ErrorType", e.errorType());
            respond(exchange, e.httpStatus(), "{\"message\": \"" + e.getMessage().replace("\"", "\\\"") + "\"}");
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
