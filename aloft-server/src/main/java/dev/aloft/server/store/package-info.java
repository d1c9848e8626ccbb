/**
 * The one SQL layer: a connection to the embedded SQLite file (PostgreSQL later) and its
 * migrations. Parts keep their own repositories but share this connection and its write lock.
 */
package dev.aloft.server.store;
