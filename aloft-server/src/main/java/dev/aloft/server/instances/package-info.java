/**
 * The instance scheduler: pools of warm instances per function, started on demand up to the
 * function's concurrency and within the node memory budget (evicting other functions' idle
 * instances, least recently used first), reused one request at a time, retired after a
 * keep-alive (scale to zero), killed on timeout and replaced after a crash.
 */
package dev.aloft.server.instances;
