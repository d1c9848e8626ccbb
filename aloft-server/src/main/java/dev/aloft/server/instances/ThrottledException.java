package dev.aloft.server.instances;

import dev.aloft.server.AloftException;
import dev.aloft.server.functions.FunctionConfig;

import java.time.Duration;

/** Every instance a function may have is busy, and none freed up within the queue wait. */
public final class ThrottledException extends AloftException {
    public ThrottledException(String message) {
        super(429, "TooManyRequestsException", message);
    }

    /** The node's memory budget had no room for another instance within {@code wait}. */
    static ThrottledException memoryShort(FunctionConfig function, Duration wait, long budgetMb) {
        return new ThrottledException("function '" + function.name() + "' could not start an instance ("
                + function.memoryMb() + " MB) within " + wait.toMillis() + " ms: the node memory budget (" + budgetMb
                + " MB) is in use by busy or provisioned instances or reserved for other functions; retry later, raise "
                + "memory-budget-mb, or lower other functions' memoryMb, minInstances or reserved concurrency");
    }

    /** No instance freed up within {@code wait}, at the concurrency limit or below it while {@code starting} started. */
    static ThrottledException noneFreed(FunctionConfig function, Duration wait, boolean atLimit, int starting) {
        return new ThrottledException(atLimit
                ? "function '" + function.name() + "' is at its concurrency limit of " + function.concurrency()
                        + " and no instance freed up within " + wait.toMillis() + " ms; retry later or raise --concurrency"
                : "function '" + function.name() + "' had no free instance within " + wait.toMillis() + " ms while "
                        + starting + " were starting; retry later or raise queue-wait-ms");
    }
}
