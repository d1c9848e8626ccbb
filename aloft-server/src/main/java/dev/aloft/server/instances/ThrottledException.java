package dev.aloft.server.instances;

import dev.aloft.server.AloftException;
import dev.aloft.server.functions.FunctionConfig;

import java.time.Duration;

/**
 * Every instance a function may have is busy, and none freed up within the queue wait. The
 * message is the native API's; {@link #limit()} and {@link #situation()} let another API (the
 * Lambda API) say the same with its own reason and advice.
 */
public final class ThrottledException extends AloftException {

    /** What held the call back. */
    public enum Limit {
        /** The function's own concurrency limit: all the instances it may have are busy. */
        FUNCTION_CONCURRENCY,
        /** Below its limit, but all the starts it may have at once are under way. */
        STARTS_UNDER_WAY,
        /** The node memory budget has no room for another instance. */
        NODE_MEMORY
    }

    private final Limit limit;
    private final String situation;

    ThrottledException(Limit limit, String situation, String advice) {
        super(429, "TooManyRequestsException", situation + "; " + advice);
        this.limit = limit;
        this.situation = situation;
    }

    public Limit limit() {
        return limit;
    }

    /** What happened, without the advice, which names the native API's settings. */
    public String situation() {
        return situation;
    }

    /** The node's memory budget had no room for another instance within {@code wait}. */
    static ThrottledException memoryShort(FunctionConfig function, Duration wait, long budgetMb) {
        return new ThrottledException(Limit.NODE_MEMORY, "function '" + function.name() + "' could not start an instance ("
                + function.memoryMb() + " MB) within " + wait.toMillis() + " ms: the node memory budget (" + budgetMb
                + " MB) is in use by busy or provisioned instances or reserved for other functions", "retry later, raise "
                + "memory-budget-mb, or lower other functions' memoryMb, minInstances or reserved concurrency");
    }

    /** No instance freed up within {@code wait}, at the concurrency limit or below it while {@code starting} started. */
    static ThrottledException noneFreed(FunctionConfig function, Duration wait, boolean atLimit, int starting) {
        return atLimit
                ? new ThrottledException(Limit.FUNCTION_CONCURRENCY, "function '" + function.name() + "' is at its concurrency "
                        + "limit of " + function.concurrency() + " and no instance freed up within " + wait.toMillis() + " ms",
                        "retry later or raise --concurrency")
                : new ThrottledException(Limit.STARTS_UNDER_WAY, "function '" + function.name() + "' had no free instance within "
                        + wait.toMillis() + " ms while " + starting + " were starting", "retry later or raise queue-wait-ms");
    }
}
