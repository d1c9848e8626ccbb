package dev.aloft.runtime.testfunctions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/** Reads its configuration from environment variables, both ways Java code commonly does. */
public class Settings implements RequestHandler<String, Map<String, String>> {

    @Override
    public Map<String, String> handleRequest(String variable, Context context) {
        return Map.of(
                "byName", String.valueOf(System.getenv(variable)),
                "inMap", String.valueOf(System.getenv().get(variable)),
                "bindVariable", String.valueOf(System.getenv("ALOFT_BIND")),
                "function", context.getFunctionName() + ":" + context.getFunctionVersion()
                        + ":" + context.getMemoryLimitInMB());
    }
}
