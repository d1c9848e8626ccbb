package dev.aloft.runtime;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A test that runs the bootstrap in a real child JVM against a fake Runtime API, and stops both after each test. */
abstract class FunctionProcessTest {

    @TempDir
    Path workDir;

    final FakeRuntimeApi api = new FakeRuntimeApi();
    FunctionProcess function;

    @AfterEach
    void stop() throws InterruptedException {
        if (function != null) {
            function.stop();
        }
        api.close();
    }
}
