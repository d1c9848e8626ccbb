/**
 * Runs function instances as child processes fenced in with what the host offers: cgroup memory
 * and pids limits, a bubblewrap mount namespace and an unprivileged user. Kept apart because it is
 * the only code that touches host security primitives; everything above it sees a {@code Process}.
 */
package dev.aloft.server.sandbox;
