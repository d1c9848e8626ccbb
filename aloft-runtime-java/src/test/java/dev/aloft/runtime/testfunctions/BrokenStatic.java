package dev.aloft.runtime.testfunctions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/** Its static initializer throws, so it can never serve. */
public class BrokenStatic implements RequestHandler<String, String> {

    private static final String GREETING = load();

    private static String load() {
        throw new IllegalStateException("greeting table missing");
    }

    @Override
    public String handleRequest(String input, Context context) {
        return GREETING + input;
    }
}
