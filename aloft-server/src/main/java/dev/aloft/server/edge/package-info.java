/**
 * The edge: the one public HTTP server. It authenticates callers, maps HTTP to the parts behind
 * it (control API, function URLs) and maps every {@code AloftException} back to a status.
 */
package dev.aloft.server.edge;
