package dev.aloft.function;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** What a handler knows about the invocation it serves and the function it belongs to. */
public interface Context {

    /** Id of this invocation; the platform's logs and invocation records use the same id. */
    String requestId();

    String functionName();

    String functionVersion();

    /** The memory limit of the whole function process. */
    int memoryMb();

    /** When the platform stops waiting for this invocation and kills the instance. */
    Instant deadline();

    /** Time left until {@link #deadline()}; zero once it has passed, never negative. */
    Duration remainingTime();

    String logGroupName();

    String logStreamName();

    String invokedFunctionArn();

    /** The X-Ray trace header of this invocation, when the caller sent one. */
    Optional<String> traceId();
}
