/**
 * The AWS Lambda Runtime API (2018-06-01) that function instances poll. Each instance gets its
 * own unguessable path prefix, so one instance can neither poll nor answer another's invocations.
 */
package dev.aloft.server.runtimeapi;
