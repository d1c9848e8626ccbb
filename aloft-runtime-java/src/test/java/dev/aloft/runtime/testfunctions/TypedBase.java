package dev.aloft.runtime.testfunctions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/** Leaves the input type open, so the concrete handler binds it one class further down. */
public abstract class TypedBase<T> implements RequestHandler<T, String> {

    @Override
    public String handleRequest(T input, Context context) {
        return describe(input);
    }

    protected abstract String describe(T input);
}
