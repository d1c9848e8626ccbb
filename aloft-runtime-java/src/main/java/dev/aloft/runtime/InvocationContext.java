package dev.aloft.runtime;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;

/**
 * The context of one invocation, in both shapes a handler may ask for: Lambda's and Aloft's.
 * One object serves both so a handler written against either API sees the same values.
 */
final class InvocationContext implements com.amazonaws.services.lambda.runtime.Context, dev.aloft.function.Context {

    /** Lambda's logger writes to stdout, which the platform attributes to the current invocation. */
    private static final LambdaLogger STDOUT_LOGGER = new LambdaLogger() {
        @Override
        public void log(String message) {
            System.out.print(message);
            System.out.flush();
        }

        @Override
        public void log(byte[] message) {
            System.out.write(message, 0, message.length);
            System.out.flush();
        }
    };

    private final FunctionSettings function;
    private final Invocation invocation;
    private final InstantSource clock;

    InvocationContext(FunctionSettings function, Invocation invocation, InstantSource clock) {
        this.function = function;
        this.invocation = invocation;
        this.clock = clock;
    }

    @Override
    public String requestId() {
        return invocation.requestId();
    }

    @Override
    public String functionName() {
        return function.functionName();
    }

    @Override
    public String functionVersion() {
        return function.functionVersion();
    }

    @Override
    public int memoryMb() {
        return function.memoryMb();
    }

    @Override
    public Instant deadline() {
        return invocation.deadline();
    }

    @Override
    public Duration remainingTime() {
        Duration remaining = Duration.between(clock.instant(), invocation.deadline());
        return remaining.isNegative() ? Duration.ZERO : remaining;
    }

    @Override
    public String logGroupName() {
        return function.logGroupName();
    }

    @Override
    public String logStreamName() {
        return function.logStreamName();
    }

    @Override
    public String invokedFunctionArn() {
        return invocation.invokedFunctionArn();
    }

    @Override
    public Optional<String> traceId() {
        return invocation.traceId();
    }

    @Override
    public String getAwsRequestId() {
        return requestId();
    }

    @Override
    public String getLogGroupName() {
        return logGroupName();
    }

    @Override
    public String getLogStreamName() {
        return logStreamName();
    }

    @Override
    public String getFunctionName() {
        return functionName();
    }

    @Override
    public String getFunctionVersion() {
        return functionVersion();
    }

    @Override
    public String getInvokedFunctionArn() {
        return invokedFunctionArn();
    }

    /** Aloft has no Cognito; Lambda's contract is {@code null} when there is no identity. */
    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    /** Aloft's invoke API carries no client context; Lambda's contract is {@code null} then. */
    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.min(Integer.MAX_VALUE, remainingTime().toMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
        return memoryMb();
    }

    @Override
    public LambdaLogger getLogger() {
        return STDOUT_LOGGER;
    }

    @Override
    public String getXrayTraceId() {
        return invocation.traceId().orElse(null);
    }
}
