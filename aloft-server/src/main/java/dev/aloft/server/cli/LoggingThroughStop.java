package dev.aloft.server.cli;

import java.util.logging.LogManager;

/**
 * The JVM's log manager, minus the reset its own shutdown hook does: that hook runs beside
 * {@code aloft up}'s stop and closed logging while the server was still stopping, so every
 * message of the stop (instances stopped, invocations cut) was lost. Handlers stay open until
 * the process ends; the console handler flushes each record. {@link AloftCommand#main} names it
 * in {@code java.util.logging.manager} before anything logs.
 */
public final class LoggingThroughStop extends LogManager {

    @Override
    public void reset() {
        if (!Thread.currentThread().getClass().getName().equals("java.util.logging.LogManager$Cleaner")) {
            super.reset();
        }
    }
}
