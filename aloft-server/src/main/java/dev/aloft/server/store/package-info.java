/**
 * The one SQL layer: a connection to the embedded SQLite file (PostgreSQL later) and its
 * migrations. Parts keep their own repositories but share this connection and its write lock.
 * Also what parts share about the node's disk ({@link dev.aloft.server.store.FileTrees}).
 */
package dev.aloft.server.store;
