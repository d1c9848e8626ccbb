/**
 * The {@code aloft} command line. It talks to a node only through the public control API, the same
 * way a remote user would, so it also serves as that API's first client; only {@code up} touches the
 * server classes, to start a node in this process.
 */
package dev.aloft.server.cli;
