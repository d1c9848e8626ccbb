/**
 * Invocations: how a request for a function becomes a run on an instance, with an id, its limits
 * checked and its outcome reported. The ledger, async delivery and retries grow here.
 */
package dev.aloft.server.invocations;
