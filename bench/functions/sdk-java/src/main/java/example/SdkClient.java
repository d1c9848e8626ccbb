package example;

import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;

/**
 * What many real Java functions do at initialisation: build an AWS SDK client in a static field
 * (hundreds of SDK classes). It never calls the service; the endpoint is a closed port.
 */
public class SdkClient {

    private static final LambdaClient LAMBDA = LambdaClient.builder()
            .region(Region.US_EAST_1)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
            .httpClient(UrlConnectionHttpClient.create())
            .endpointOverride(URI.create("http://127.0.0.1:9"))
            .build();

    public Map<String, String> handleRequest(Map<String, Object> event) {
        InvokeRequest request = InvokeRequest.builder().functionName("downstream").build();
        return Map.of("service", LAMBDA.serviceName(), "function", request.functionName());
    }
}
