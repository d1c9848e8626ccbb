package dev.aloft.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.cli.CliTest.Run;
import dev.aloft.server.it.TestPlatform;
import java.util.Map;

/** A real server and the aloft CLI pointed at it with the admin token: what the end-to-end suites share. */
final class CliSession implements AutoCloseable {

    /** The test function most suites deploy; it does what its event asks. */
    static final String BEHAVE_CODE = TestPlatform.FUNCTIONS.resolve("behave").toString();

    final TestPlatform platform;

    CliSession(TestPlatform platform) {
        this.platform = platform;
    }

    Run aloft(String... args) {
        return CliTest.run(Map.of("ALOFT_URL", platform.server.baseUrl().toString(),
                "ALOFT_TOKEN", platform.server.adminToken()), args);
    }

    /** Runs a command that must succeed; its stdout. */
    String ok(String... args) {
        Run run = aloft(args);
        assertThat(run.exitCode()).as(String.join(" ", args) + ": " + run.err()).isZero();
        return run.out();
    }

    JsonNode okJson(String... args) {
        return TestPlatform.parse(ok(args));
    }

    @Override
    public void close() {
        platform.close();
    }
}
