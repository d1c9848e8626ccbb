package dev.aloft.server.events;

/**
 * What a schedule does about fires it missed while the scheduler was not running. Either way a
 * long outage never turns into a flood of invocations. See {@link Schedule#dueFires}.
 */
public enum CatchUp {
    /** Missed fires collapse into one: the latest of them, unless an on-time fire already covers them. */
    FIRE_ONCE,
    /** Missed fires are dropped; only on-time fires run. */
    SKIP
}
