package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ListFunctionsResponse;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.RequestTooLargeException;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.ThrottleReason;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The AWS SDK for Java v2 manages and invokes Aloft functions through the Lambda API, unchanged. */
class LambdaSdkJavaTest {

    private static final String ARN_PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:";
    private static final byte[] NODE_ECHO = TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-cjs"));
    private static final byte[] BEHAVE = TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("behave"));

    private static TestPlatform platform;
    private static String accessKeyId;
    private static String secretAccessKey;
    private static LambdaClient lambda;

    @BeforeAll
    static void start() {
        // A fixed budget: one test asks for a reservation that must not fit, whatever the machine's memory.
        platform = TestPlatform.start(s -> s.with("memory-budget-mb", "16384"));
        JsonNode key = createKey(platform, "sdk tests");
        accessKeyId = key.get("accessKeyId").asText();
        secretAccessKey = key.get("secretAccessKey").asText();
        lambda = client(platform, accessKeyId, secretAccessKey);
    }

    @AfterAll
    static void stop() {
        lambda.close();
        platform.close();
    }

    @Test
    void aFunctionLivesThroughItsWholeLifecycle() throws Exception {
        CreateFunctionResponse created = lambda.createFunction(r -> r.functionName("life").runtime(Runtime.NODEJS20_X)
                .handler("index.handler").role("arn:aws:iam::000000000000:role/life")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(NODE_ECHO))));
        assertThat(created.functionArn()).isEqualTo(ARN_PREFIX + "life");
        assertThat(created.runtime()).isEqualTo(Runtime.NODEJS20_X);
        assertThat(created.role()).isEqualTo("arn:aws:iam::000000000000:role/life");
        assertThat(created.codeSize()).isEqualTo(NODE_ECHO.length);
        assertThat(created.codeSha256()).isEqualTo(Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(NODE_ECHO)));
        assertThat(created.memorySize()).isEqualTo(128);
        assertThat(created.timeout()).isEqualTo(3);
        assertThat(created.version()).isEqualTo("$LATEST");
        assertThat(created.stateAsString()).isEqualTo("Active");
        assertThat(created.lastUpdateStatusAsString()).isEqualTo("Successful");
        assertThat(created.packageTypeAsString()).isEqualTo("Zip");
        assertThat(created.architecturesAsStrings()).containsExactly("x86_64");
        assertThat(created.lastModified()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\+0000");

        GetFunctionResponse got = lambda.getFunction(r -> r.functionName("life"));
        assertThat(got.configuration().functionName()).isEqualTo("life");
        assertThat(got.configuration().handler()).isEqualTo("index.handler");
        assertThat(got.code().location()).isNotBlank();
        // As in Lambda: no Concurrency block until the function has a reservation.
        assertThat(got.concurrency()).isNull();

        InvokeResponse invoked = lambda.invoke(r -> r.functionName("life").payload(SdkBytes.fromUtf8String("{\"n\":1}")));
        assertThat(invoked.statusCode()).isEqualTo(200);
        assertThat(invoked.functionError()).isNull();
        assertThat(invoked.executedVersion()).isEqualTo("$LATEST");
        assertThat(TestPlatform.parse(invoked.payload().asUtf8String())).isEqualTo(TestPlatform.parse("{\"echo\":{\"n\":1}}"));

        InvokeResponse event = lambda.invoke(r -> r.functionName("life").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String("{\"n\":2}")));
        assertThat(event.statusCode()).isEqualTo(202);
        InvokeResponse dryRun = lambda.invoke(r -> r.functionName("life").invocationType(InvocationType.DRY_RUN));
        assertThat(dryRun.statusCode()).isEqualTo(204);

        byte[] version2 = TestPlatform.zipOf(List.<String[]>of(new String[] {"index.js",
                "exports.handler = async (event) => ({ version: 2, greeting: process.env.GREETING || null, echo: event });"}));
        var updated = lambda.updateFunctionCode(r -> r.functionName("life").zipFile(SdkBytes.fromByteArray(version2)));
        assertThat(updated.codeSize()).isEqualTo(version2.length);
        assertThat(updated.codeSha256()).isNotEqualTo(created.codeSha256());
        assertThat(TestPlatform.parse(lambda.invoke(r -> r.functionName("life").payload(SdkBytes.fromUtf8String("{}")))
                .payload().asUtf8String()).get("version").asInt()).isEqualTo(2);

        lambda.updateFunctionConfiguration(r -> r.functionName("life").memorySize(512).timeout(20)
                .environment(e -> e.variables(Map.of("GREETING", "hello"))));
        var configuration = lambda.getFunctionConfiguration(r -> r.functionName("life"));
        assertThat(configuration.memorySize()).isEqualTo(512);
        assertThat(configuration.timeout()).isEqualTo(20);
        assertThat(configuration.environment().variables()).containsExactly(Map.entry("GREETING", "hello"));
        assertThat(configuration.handler()).isEqualTo("index.handler");
        assertThat(TestPlatform.parse(lambda.invoke(r -> r.functionName("life").payload(SdkBytes.fromUtf8String("{}")))
                .payload().asUtf8String()).get("greeting").asText()).isEqualTo("hello");

        assertThat(lambda.putFunctionConcurrency(r -> r.functionName("life").reservedConcurrentExecutions(3))
                .reservedConcurrentExecutions()).isEqualTo(3);
        assertThat(lambda.getFunction(r -> r.functionName("life")).concurrency().reservedConcurrentExecutions()).isEqualTo(3);
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName("life")).reservedConcurrentExecutions()).isEqualTo(3);
        JsonNode reserved = TestPlatform.parse(platform.get("/api/v1/functions/life").body());
        assertThat(reserved.path("concurrency").asInt()).isEqualTo(3);
        assertThat(reserved.path("reservedConcurrency").asInt()).isEqualTo(3);
        assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName("life").reservedConcurrentExecutions(900)))
                .isInstanceOfSatisfying(LambdaException.class, e -> assertThat(e.getMessage())
                        .contains("node memory budget"));
        lambda.deleteFunctionConcurrency(r -> r.functionName("life"));
        assertThat(lambda.getFunction(r -> r.functionName("life")).concurrency()).isNull();
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName("life")).reservedConcurrentExecutions()).isNull();
        JsonNode cleared = TestPlatform.parse(platform.get("/api/v1/functions/life").body());
        assertThat(cleared.path("concurrency").asInt()).isEqualTo(10);
        assertThat(cleared.path("reservedConcurrency").asInt()).isZero();

        lambda.deleteFunction(r -> r.functionName("life"));
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("life")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    /** A 128 MB function kept at {@code minInstances}: the Lambda API has no such setting, the native API sets it. */
    private static void deployProvisioned(String name, int concurrency, int minInstances) {
        var body = TestPlatform.deployBody("provided", "behave", BEHAVE);
        body.put("memoryMb", 128);
        body.put("concurrency", concurrency);
        body.put("minInstances", minInstances);
        assertThat(platform.deploy(name, body).statusCode()).isEqualTo(201);
    }

    @Test
    void aMemorySizeItsProvisionedInstancesCannotHoldIsRefused() {
        deployProvisioned("provisioned", 2, 2);

        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("provisioned").memorySize(10240)))
                .isInstanceOfSatisfying(LambdaException.class, e -> assertThat(e.getMessage())
                        .contains("minInstances 2 of 'provisioned' needs 20480 MB (2 × 10240 MB)")
                        .contains("of the node memory budget (16384 MB)"));
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("provisioned")).memorySize()).isEqualTo(128);
        lambda.deleteFunction(r -> r.functionName("provisioned"));
    }

    @Test
    void concurrencyCallsNeverLowerTheProvisionedMinimum() {
        deployProvisioned("kept-warm", 20, 12);

        assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName("kept-warm").reservedConcurrentExecutions(1)))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("ReservedConcurrentExecutions 1 is below the"
                            + " function's provisioned minimum (minInstances 12); lower minInstances first");
                });
        // The default concurrency a delete restores (10) is below the minimum too.
        assertThatThrownBy(() -> lambda.deleteFunctionConcurrency(r -> r.functionName("kept-warm")))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("DeleteFunctionConcurrency would restore the default concurrency 10, below the"
                                + " function's provisioned minimum (minInstances 12); lower minInstances first"));
        JsonNode unchanged = TestPlatform.parse(platform.get("/api/v1/functions/kept-warm").body());
        assertThat(unchanged.path("concurrency").asInt()).isEqualTo(20);
        assertThat(unchanged.path("minInstances").asInt()).isEqualTo(12);
        lambda.deleteFunction(r -> r.functionName("kept-warm"));
    }

    @Test
    void concurrencyIsSetOnTheFunctionNotOnAVersion() {
        createEcho("versioned");
        lambda.publishVersion(r -> r.functionName("versioned"));
        String refusal = "ReservedConcurrentExecutions is set on the function, not on a version or alias: name the function"
                + " 'versioned' without the qualifier '1'";
        for (String qualified : List.of("versioned:1", ARN_PREFIX + "versioned:1")) {
            assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName(qualified)
                    .reservedConcurrentExecutions(2)))
                    .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(400);
                        assertThat(e.awsErrorDetails().errorMessage()).isEqualTo(refusal);
                    });
            assertThatThrownBy(() -> lambda.getFunctionConcurrency(r -> r.functionName(qualified)))
                    .isInstanceOfSatisfying(InvalidParameterValueException.class,
                            e -> assertThat(e.awsErrorDetails().errorMessage()).isEqualTo(refusal));
            assertThatThrownBy(() -> lambda.deleteFunctionConcurrency(r -> r.functionName(qualified)))
                    .isInstanceOfSatisfying(InvalidParameterValueException.class,
                            e -> assertThat(e.awsErrorDetails().errorMessage()).isEqualTo(refusal));
        }
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName("versioned")).reservedConcurrentExecutions()).isNull();
        lambda.deleteFunction(r -> r.functionName("versioned"));
    }

    @Test
    void accountSettingsLeaveOutWhatFunctionsReserve() {
        int unreserved = lambda.getAccountSettings().accountLimit().unreservedConcurrentExecutions();
        createEcho("reserving");
        lambda.putFunctionConcurrency(r -> r.functionName("reserving").reservedConcurrentExecutions(7));
        var limit = lambda.getAccountSettings().accountLimit();
        assertThat(limit.concurrentExecutions()).isEqualTo(1000);
        assertThat(limit.unreservedConcurrentExecutions()).isEqualTo(unreserved - 7);
        lambda.deleteFunction(r -> r.functionName("reserving"));
        assertThat(lambda.getAccountSettings().accountLimit().unreservedConcurrentExecutions()).isEqualTo(unreserved);
    }

    @Test
    void eventInvokeConfigIsTheFunctionsAsynchronousSettings() {
        createEcho("async-config");
        createEcho("async-failures");
        assertThatThrownBy(() -> lambda.getFunctionEventInvokeConfig(r -> r.functionName("async-config")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(lambda.listFunctionEventInvokeConfigs(r -> r.functionName("async-config")).functionEventInvokeConfigs())
                .isEmpty();

        var put = lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-config").maximumRetryAttempts(1)
                .maximumEventAgeInSeconds(600)
                .destinationConfig(d -> d.onFailure(f -> f.destination(ARN_PREFIX + "async-failures"))));
        assertThat(put.functionArn()).isEqualTo(ARN_PREFIX + "async-config:$LATEST");
        assertThat(put.lastModified()).isNotNull();
        assertThat(put.destinationConfig().onFailure().destination()).isEqualTo(ARN_PREFIX + "async-failures");
        assertThat(put.destinationConfig().onSuccess().destination()).isNull();
        JsonNode settings = TestPlatform.parse(platform.get("/api/v1/functions/async-config").body());
        assertThat(settings.path("maxRetryAttempts").asInt()).isEqualTo(1);
        assertThat(settings.path("maxEventAgeSeconds").asInt()).isEqualTo(600);
        assertThat(settings.path("onFailure").asText()).isEqualTo("function:async-failures");

        // Update keeps what it leaves out; Put resets it to the default.
        var updated = lambda.updateFunctionEventInvokeConfig(r -> r.functionName("async-config").maximumRetryAttempts(0));
        assertThat(updated.maximumRetryAttempts()).isZero();
        assertThat(updated.maximumEventAgeInSeconds()).isEqualTo(600);
        assertThat(updated.destinationConfig().onFailure().destination()).isEqualTo(ARN_PREFIX + "async-failures");
        assertThat(lambda.listFunctionEventInvokeConfigs(r -> r.functionName("async-config")).functionEventInvokeConfigs())
                .singleElement().satisfies(config -> assertThat(config.maximumRetryAttempts()).isZero());
        lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-config").maximumRetryAttempts(1));
        var got = lambda.getFunctionEventInvokeConfig(r -> r.functionName("async-config"));
        assertThat(got.maximumEventAgeInSeconds()).isEqualTo(21_600);
        assertThat(got.destinationConfig().onFailure().destination()).isNull();

        assertThatThrownBy(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-config").maximumRetryAttempts(3)))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("MaximumRetryAttempts must be between 0 and 2, got 3"));
        assertThatThrownBy(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-config")
                .destinationConfig(d -> d.onFailure(f -> f.destination("arn:aws:sqs:us-east-1:000000000000:failures")))))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .startsWith("DestinationConfig.OnFailure.Destination 'arn:aws:sqs:us-east-1:000000000000:failures' is not"
                                + " a function ARN"));
        assertThatThrownBy(() -> lambda.getFunctionEventInvokeConfig(r -> r.functionName("async-config").qualifier("1")))
                .isInstanceOf(InvalidParameterValueException.class);

        lambda.deleteFunctionEventInvokeConfig(r -> r.functionName("async-config"));
        assertThatThrownBy(() -> lambda.getFunctionEventInvokeConfig(r -> r.functionName("async-config")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(TestPlatform.parse(platform.get("/api/v1/functions/async-config").body()).path("maxRetryAttempts").asInt())
                .isEqualTo(2);
        lambda.deleteFunction(r -> r.functionName("async-config"));
        lambda.deleteFunction(r -> r.functionName("async-failures"));
    }

    @Test
    void listingPagesWithMarkers() {
        for (String name : List.of("page-a", "page-b", "page-c")) {
            createEcho(name);
        }
        List<String> names = new ArrayList<>();
        Optional<String> marker = Optional.empty();
        int pages = 0;
        do {
            Optional<String> current = marker;
            ListFunctionsResponse page = lambda.listFunctions(r -> r.maxItems(1).marker(current.orElse(null)));
            assertThat(page.functions()).hasSize(1);
            names.add(page.functions().getFirst().functionName());
            marker = Optional.ofNullable(page.nextMarker());
            pages++;
        } while (marker.isPresent() && pages < 100);
        assertThat(names).containsSubsequence("page-a", "page-b", "page-c").doesNotHaveDuplicates();
        assertThat(lambda.listFunctionsPaginator(r -> r.maxItems(2)).functions().stream()
                .map(FunctionConfiguration::functionName)).containsAll(List.of("page-a", "page-b", "page-c"));
        assertThat(lambda.getAccountSettings().accountUsage().functionCount()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void tailReturnsTheInvocationsLog() {
        lambda.createFunction(r -> r.functionName("tail").runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(BEHAVE))));
        InvokeResponse response = lambda.invoke(r -> r.functionName("tail").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"print\": [\"tail me\"], \"echo\": 1}")));
        assertThat(response.payload().asUtf8String()).isEqualTo("{\"echo\": 1}");
        String log = new String(Base64.getDecoder().decode(response.logResult()), StandardCharsets.UTF_8);
        assertThat(log).contains("tail me").contains("START RequestId: ").contains("REPORT RequestId: ")
                .contains("Memory Size: 128 MB");
    }

    @Test
    void functionsAreAddressedByNameArnPartialArnAndLatest() {
        createEcho("addressed");
        for (String id : List.of("addressed", ARN_PREFIX + "addressed", "000000000000:function:addressed",
                "addressed:$LATEST", ARN_PREFIX + "addressed:$LATEST")) {
            InvokeResponse response = lambda.invoke(r -> r.functionName(id).payload(SdkBytes.fromUtf8String("1")));
            assertThat(response.payload().asUtf8String()).as(id).isEqualTo("{\"echo\":1}");
        }
        assertThat(lambda.getFunction(r -> r.functionName("addressed").qualifier("$LATEST")).configuration().functionName())
                .isEqualTo("addressed");
        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("addressed").qualifier("prod")))
                .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("Function not found: " + ARN_PREFIX + "addressed:prod"));
    }

    @Test
    void errorsArriveAsTheSdksTypedExceptions() {
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("nope")))
                .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Function not found: " + ARN_PREFIX + "nope");
                });
        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("nope")))
                .isInstanceOf(ResourceNotFoundException.class);
        createEcho("twice");
        assertThatThrownBy(() -> createEcho("twice")).isInstanceOfSatisfying(ResourceConflictException.class,
                e -> assertThat(e.statusCode()).isEqualTo(409));
        assertThatThrownBy(() -> lambda.createFunction(r -> r.functionName("cobol").runtime("cobol85").handler("x")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(NODE_ECHO)))))
                .isInstanceOfSatisfying(InvalidParameterValueException.class,
                        e -> assertThat(e.awsErrorDetails().errorMessage()).contains("cobol85"));

        lambda.createFunction(r -> r.functionName("fails").runtime(Runtime.NODEJS22_X).handler("index.handler")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-error"))))));
        InvokeResponse failed = lambda.invoke(r -> r.functionName("fails").payload(SdkBytes.fromUtf8String("{}")));
        assertThat(failed.statusCode()).isEqualTo(200);
        assertThat(failed.functionError()).isEqualTo("Unhandled");
        assertThat(TestPlatform.parse(failed.payload().asUtf8String()).get("errorType").asText()).isEqualTo("TypeError");

        byte[] tooBig = new byte[6 * 1024 * 1024 + 1];
        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("twice").payload(SdkBytes.fromByteArray(tooBig))))
                .isInstanceOfSatisfying(RequestTooLargeException.class, e -> assertThat(e.statusCode()).isEqualTo(413));
    }

    @Test
    void refusalsNameTheFieldsOfTheLambdaApi() {
        createEcho("named");
        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("named").memorySize(64)))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("MemorySize must be between 128 and 10240 MB, got 64"));
        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("named").timeout(901)))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("Timeout must be between 1 and 900, got 901"));
        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("named").handler("h".repeat(129))))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("Handler must be at most 128 characters, got 129"));
        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("named")
                .environment(v -> v.variables(Map.of("AWS_REGION", "eu-west-1")))))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("Environment variable 'AWS_REGION' is reserved for the runtime"));
        assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName("named").reservedConcurrentExecutions(900)))
                .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .startsWith("ReservedConcurrentExecutions 900 of 'named' needs 115200 MB (900 × 128 MB) but only ")
                        .endsWith("; lower ReservedConcurrentExecutions or MemorySize, or raise memory-budget-mb"));
        lambda.deleteFunction(r -> r.functionName("named"));
    }

    @Test
    void wholeNumbersAreTakenInAnyJsonNotationAndFractionsAreRefused() {
        createEcho("numbers");
        String path = "/2015-03-31/functions/numbers/configuration";
        HttpResponse<String> updated = platform.sendRaw(signed("PUT", path, "{\"MemorySize\": 2.56e2, \"Timeout\": 10.0}"));
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        var configuration = lambda.getFunctionConfiguration(r -> r.functionName("numbers"));
        assertThat(configuration.memorySize()).isEqualTo(256);
        assertThat(configuration.timeout()).isEqualTo(10);

        HttpResponse<String> fraction = platform.sendRaw(signed("PUT", path, "{\"MemorySize\": 256.5}"));
        assertThat(fraction.statusCode()).isEqualTo(400);
        assertThat(TestPlatform.parse(fraction.body()).path("message").asText())
                .isEqualTo("MemorySize must be a whole number, got 256.5");
    }

    @Test
    void aWrongSecretIsRefusedWith403() {
        try (LambdaClient wrong = client(platform, accessKeyId, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")) {
            assertThatThrownBy(wrong::listFunctions).isInstanceOfSatisfying(LambdaException.class, e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
            });
        }
    }

    @Test
    void anUnsignedRequestIsRefusedAsAwsRefusesIt() {
        HttpResponse<String> response = platform.sendRaw(HttpRequest.newBuilder(platform.url("/2015-03-31/functions/")).GET());
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("MissingAuthenticationTokenException");
        assertThat(response.headers().allValues("date")).hasSize(1);
        JsonNode body = TestPlatform.parse(response.body());
        assertThat(body.get("Type").asText()).isEqualTo("User");
        assertThat(body.get("message").asText()).startsWith("Missing Authentication Token");
    }

    /**
     * The function's own limit and the node's capacity are Lambda's two throttle reasons. The
     * budget (1024 MB) holds busy's reservation (128 MB) and one 896 MB instance of big.
     */
    @Test
    void aThrottleSaysWhetherTheFunctionOrTheNodeRanOut() {
        try (TestPlatform throttling = TestPlatform.start(s -> s.with("queue-wait-ms", "0").with("memory-budget-mb", "1024")
                .with("prewarm", "none"))) {
            JsonNode key = createKey(throttling, "throttle");
            try (LambdaClient client = client(throttling, key.get("accessKeyId").asText(), key.get("secretAccessKey").asText())) {
                for (String name : List.of("busy", "big")) {
                    client.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED).handler("bootstrap").timeout(30)
                            .memorySize(name.equals("big") ? 896 : 128).code(c -> c.zipFile(SdkBytes.fromByteArray(BEHAVE))));
                }
                client.putFunctionConcurrency(r -> r.functionName("busy").reservedConcurrentExecutions(1));
                List<CompletableFuture<InvokeResponse>> slow = new ArrayList<>();
                for (String name : List.of("busy", "big")) {
                    slow.add(CompletableFuture.supplyAsync(() -> client.invoke(r -> r.functionName(name)
                            .payload(SdkBytes.fromUtf8String("{\"sleep_ms\": 3000, \"echo\": 1}"))),
                            task -> Thread.ofVirtual().start(task)));
                    await().atMost(Duration.ofSeconds(10)).until(() -> throttling.instances(name, "busy") == 1);
                }

                assertThatThrownBy(() -> client.invoke(r -> r.functionName("busy").payload(SdkBytes.fromUtf8String("{}"))))
                        .isInstanceOfSatisfying(TooManyRequestsException.class, e -> {
                            assertThat(e.statusCode()).isEqualTo(429);
                            assertThat(e.reason())
                                    .isEqualTo(ThrottleReason.RESERVED_FUNCTION_CONCURRENT_INVOCATION_LIMIT_EXCEEDED);
                            assertThat(e.type()).isEqualTo("User");
                            assertThat(e.retryAfterSeconds()).isEqualTo("1");
                            assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("function 'busy' is at its concurrency limit"
                                    + " of 1 and no instance freed up within 0 ms; retry later, or raise its reserved concurrency"
                                    + " (PutFunctionConcurrency)");
                        });
                assertThatThrownBy(() -> client.invoke(r -> r.functionName("big").payload(SdkBytes.fromUtf8String("{}"))))
                        .isInstanceOfSatisfying(TooManyRequestsException.class, e -> {
                            assertThat(e.reason()).isEqualTo(ThrottleReason.CONCURRENT_INVOCATION_LIMIT_EXCEEDED);
                            assertThat(e.awsErrorDetails().errorMessage()).contains("the node memory budget (1024 MB) is in use")
                                    .endsWith("; retry later, or lower other functions' MemorySize or reserved concurrency");
                        });
                // The native API keeps its own advice.
                HttpResponse<String> nativeThrottle = throttling.invoke("big", "{}");
                assertThat(nativeThrottle.statusCode()).isEqualTo(429);
                assertThat(nativeThrottle.body()).contains("raise memory-budget-mb").doesNotContain("Reason");
                slow.forEach(call -> assertThat(call.join().payload().asUtf8String()).isEqualTo("{\"echo\": 1}"));
            }
        }
    }

    @Test
    void theNativeApiAcceptsSigV4ButOnlyTheAdminIssuesKeys() throws Exception {
        HttpResponse<String> listed = platform.sendRaw(signed("GET", "/api/v1/functions", ""));
        assertThat(listed.statusCode()).isEqualTo(200);
        String deploy = TestPlatform.deployBody("nodejs20", "index.handler", NODE_ECHO).toString();
        HttpResponse<String> deployed = platform.sendRaw(signed("PUT", "/api/v1/functions/native-signed", deploy));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        HttpResponse<String> tampered = platform.sendRaw(signed("PUT", "/api/v1/functions/native-signed", deploy)
                .method("PUT", HttpRequest.BodyPublishers.ofString(deploy.replace("index.handler", "other.handler"))));
        assertThat(tampered.statusCode()).isEqualTo(403);
        HttpResponse<String> keys = platform.sendRaw(signed("POST", "/api/v1/keys", "{\"description\": \"more\"}"));
        assertThat(keys.statusCode()).isEqualTo(401);
        JsonNode listedKeys = TestPlatform.parse(platform.get("/api/v1/keys").body());
        assertThat(listedKeys.get("keys").findValuesAsText("accessKeyId")).contains(accessKeyId);
        assertThat(listedKeys.toString()).doesNotContain(secretAccessKey);
    }

    @Test
    void aDeletedKeyNoLongerSigns() {
        JsonNode key = createKey(platform, "short-lived");
        String id = key.get("accessKeyId").asText();
        try (LambdaClient client = client(platform, id, key.get("secretAccessKey").asText())) {
            client.listFunctions();
            assertThat(platform.send(HttpRequest.newBuilder(platform.url("/api/v1/keys/" + id)).DELETE()).statusCode())
                    .isEqualTo(204);
            assertThatThrownBy(client::listFunctions).isInstanceOfSatisfying(LambdaException.class,
                    e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException"));
        }
    }

    private static void createEcho(String name) {
        lambda.createFunction(r -> r.functionName(name).runtime(Runtime.NODEJS20_X).handler("index.handler")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(NODE_ECHO))));
    }

    static JsonNode createKey(TestPlatform platform, String description) {
        HttpResponse<String> response = platform.send(HttpRequest.newBuilder(platform.url("/api/v1/keys"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"description\": \"" + description + "\"}")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return TestPlatform.parse(response.body());
    }

    static LambdaClient client(TestPlatform platform, String accessKeyId, String secret) {
        return LambdaClient.builder()
                .endpointOverride(platform.server.baseUrl())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secret)))
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(60)).build())
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }

    /** A request to the native API signed by the SDK's own SigV4 signer. */
    private static HttpRequest.Builder signed(String method, String path, String body) {
        URI uri = platform.url(path);
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri)
                .putHeader("Content-Type", "application/json").build();
        SdkHttpRequest wire = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(accessKeyId, secretAccessKey))
                .request(unsigned)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")).request();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method, body.isEmpty()
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        wire.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) {
                values.forEach(value -> request.header(name, value));
            }
        });
        return request;
    }
}
