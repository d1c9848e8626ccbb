/**
 * The bootstrap that runs inside a Java function's process: it loads the author's handler from
 * the task root and serves invocations over the Lambda Runtime API (2018-06-01). It is a separate
 * process from the server so that user code never shares a JVM with the platform.
 */
package dev.aloft.runtime;
