package dev.aloft.server.instances;

import dev.aloft.server.store.LogLine;
import dev.aloft.server.store.BatchWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;

/**
 * Reads one output stream of an instance line by line and stores each line with the invocation
 * the instance was serving when it printed it.
 */
final class LogPump {

    /** Longer lines are cut; a runaway print must not exhaust the platform's memory. */
    static final int MAX_LINE_BYTES = 16 * 1024;

    private LogPump() {}

    static void start(Instance instance, InputStream stream, String streamName, BatchWriter<LogLine> writer, InstantSource clock) {
        Thread.ofVirtual().name("log-" + instance.id() + "-" + streamName).start(() -> {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try (stream) {
                int n;
                while ((n = stream.read(buffer)) > 0) {
                    for (int i = 0; i < n; i++) {
                        byte b = buffer[i];
                        if (b == '\n') {
                            emit(instance, streamName, writer, clock, line);
                        } else if (line.size() < MAX_LINE_BYTES) {
                            line.write(b);
                        }
                    }
                }
            } catch (IOException e) {
                // The process is gone; whatever it printed before has been stored.
            }
            if (line.size() > 0) {
                emit(instance, streamName, writer, clock, line);
            }
        });
    }

    private static void emit(Instance instance, String streamName, BatchWriter<LogLine> writer, InstantSource clock,
                             ByteArrayOutputStream line) {
        String text = line.toString(StandardCharsets.UTF_8);
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        writer.append(new LogLine(0, instance.function().name(), instance.logInvocationId(), clock.instant(), streamName, text));
        line.reset();
    }
}
