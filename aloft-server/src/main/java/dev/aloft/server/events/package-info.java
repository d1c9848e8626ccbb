/**
 * Triggers that turn outside events into invocations, starting with schedules. Kept apart from
 * {@code invocations} because deciding <em>when</em> to invoke (time zones, missed runs) is its own
 * concern; this part only computes fire times and payloads and never invokes anything itself.
 */
package dev.aloft.server.events;
