package dev.aloft.server.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Our own read end of a real child's stdout: what waits, waiting for it, reading it, its end. */
class PipeProbeTest {

    @Test
    void readsAChildsOutputThroughItsOwnEndOfThePipe() throws Exception {
        Process child = new ProcessBuilder("sh", "-c", "printf abc; read go; printf de").start();
        PipeProbe probe = PipeProbe.open(child, 1).orElseThrow();
        try {
            assertThat(probe.awaitReadable()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> probe.available() == 3);
            assertThat(PipeProbe.anyReadable(List.of(probe))).isTrue();
            byte[] buffer = new byte[16];
            assertThat(new String(buffer, 0, probe.read(buffer), StandardCharsets.US_ASCII)).isEqualTo("abc");
            // Nothing waits now, and the child is blocked on its stdin.
            assertThat(probe.available()).isZero();
            assertThat(PipeProbe.anyReadable(List.of(probe))).isFalse();

            child.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
            child.getOutputStream().flush();
            // The child exits: its end of the pipe closes, and so the output ends. The JDK drains what
            // is left in the pipe into the process's own stream when it sees the exit, so the tail is
            // in one or the other, as LogPump reads it (about 1 run in 150 lost the race here).
            StringBuilder tail = new StringBuilder();
            for (int c = probe.read(); c >= 0; c = probe.read()) {
                tail.append((char) c);
            }
            tail.append(new String(child.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            assertThat(tail).hasToString("de");
            probe.close();
            assertThatThrownBy(probe::available).isInstanceOf(IOException.class);
        } finally {
            probe.close();
            child.destroyForcibly();
        }
    }

    @Test
    void aChildThatIsGoneHasNoProbe() throws Exception {
        Process child = new ProcessBuilder("true").start();
        child.waitFor();
        assertThat(PipeProbe.open(child, 1)).isEmpty();
    }
}
