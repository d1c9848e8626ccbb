/**
 * Functions the bootstrap tests deploy. They are loaded by the child process from the task root
 * (this module's test classes), never from its class path.
 */
package dev.aloft.runtime.testfunctions;
