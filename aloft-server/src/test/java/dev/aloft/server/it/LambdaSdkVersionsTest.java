package dev.aloft.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.AliasConfiguration;
import software.amazon.awssdk.services.lambda.model.CreateAliasResponse;
import software.amazon.awssdk.services.lambda.model.PublishVersionResponse;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Versions and weighted aliases through the AWS SDK for Java v2: a canary, then a rollback. */
class LambdaSdkVersionsTest {

    private static TestPlatform platform;
    private static LambdaClient lambda;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
        JsonNode key = LambdaSdkJavaTest.createKey(platform, "versions test");
        lambda = LambdaSdkJavaTest.client(platform, key.path("accessKeyId").asText(), key.path("secretAccessKey").asText());
    }

    @AfterAll
    static void stop() {
        lambda.close();
        platform.close();
    }

    private static String executedVersion(String qualifier) {
        InvokeResponse response = lambda.invoke(r -> r.functionName("canary").qualifier(qualifier)
                .payload(SdkBytes.fromUtf8String("{}")));
        assertThat(response.functionError()).isNull();
        return response.executedVersion();
    }

    @Test
    void publishAliasWithWeightsAndRollBack() {
        lambda.createFunction(r -> r.functionName("canary").runtime(Runtime.NODEJS20_X).handler("index.handler")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("node-cjs"))))));
        PublishVersionResponse v1 = lambda.publishVersion(r -> r.functionName("canary").description("first"));
        assertThat(v1.version()).isEqualTo("1");
        assertThat(v1.functionArn()).endsWith(":function:canary:1");
        lambda.updateFunctionConfiguration(r -> r.functionName("canary").environment(e -> e.variables(Map.of("STAGE", "two"))));
        assertThat(lambda.publishVersion(r -> r.functionName("canary")).version()).isEqualTo("2");
        assertThat(lambda.listVersionsByFunction(r -> r.functionName("canary")).versions())
                .extracting(FunctionConfiguration::version).containsExactly("$LATEST", "1", "2");

        CreateAliasResponse live = lambda.createAlias(r -> r.functionName("canary").name("live").functionVersion("1")
                .routingConfig(c -> c.additionalVersionWeights(Map.of("2", 0.3))));
        assertThat(live.aliasArn()).endsWith(":function:canary:live");
        assertThat(lambda.getAlias(r -> r.functionName("canary").name("live")).routingConfig().additionalVersionWeights())
                .containsEntry("2", 0.3);
        assertThat(executedVersion("1")).isEqualTo("1");

        int onTwo = 0;
        for (int i = 0; i < 200; i++) {
            if (executedVersion("live").equals("2")) {
                onTwo++;
            }
        }
        // Binomial(200, 0.3): mean 60, standard deviation ~6.5; ±4.5σ.
        assertThat(onTwo).isBetween(31, 89);

        lambda.updateAlias(r -> r.functionName("canary").name("live").functionVersion("2")
                .routingConfig(c -> c.additionalVersionWeights(Map.of())));
        for (int i = 0; i < 20; i++) {
            assertThat(executedVersion("live")).isEqualTo("2");
        }
        assertThat(lambda.listAliases(r -> r.functionName("canary")).aliases()).extracting(AliasConfiguration::name)
                .containsExactly("live");
        lambda.deleteAlias(r -> r.functionName("canary").name("live"));
        assertThatThrownBy(() -> lambda.getAlias(r -> r.functionName("canary").name("live")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> executedVersion("live")).isInstanceOf(ResourceNotFoundException.class);
    }
}
