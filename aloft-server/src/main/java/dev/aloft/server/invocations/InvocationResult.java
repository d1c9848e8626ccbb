package dev.aloft.server.invocations;

import dev.aloft.server.functions.FunctionConfig;
import dev.aloft.server.instances.InvocationOutcome;

/** A finished invocation: its id, the function revision it ran on and how it ended. */
public record InvocationResult(String invocationId, FunctionConfig function, InvocationOutcome outcome) {}
