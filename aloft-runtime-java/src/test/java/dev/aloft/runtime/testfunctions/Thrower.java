package dev.aloft.runtime.testfunctions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/** Throws for the event {@code {"fail": true}}, answers otherwise. */
public class Thrower implements RequestHandler<Map<String, Object>, String> {

    @Override
    public String handleRequest(Map<String, Object> input, Context context) {
        if (Boolean.TRUE.equals(input.get("fail"))) {
            throw new IllegalArgumentException("bad input: " + input);
        }
        return "fine";
    }
}
