package dev.aloft.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aloft.runtime.FakeRuntimeApi.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A process started before it has a function, then bound to one through {@code /aloft/bind}. */
class PrewarmedStartTest extends FunctionProcessTest {

    @Test
    void boundProcessLoadsCodeArrivedAfterItsStartAndSeesTheFunctionsEnvironment() throws Exception {
        Path taskRoot = Files.createDirectories(workDir.resolve("task"));
        function = FunctionProcess.startPrewarmed(api, taskRoot, workDir, FunctionProcess.MODULE_FLAGS);
        api.bindRequested().get(30, TimeUnit.SECONDS);
        assertThat(function.isAlive()).isTrue();

        FunctionProcess.writeFunctionsJar(taskRoot.resolve("app.jar"));
        api.bind(200, """
                {"environment": {
                  "_HANDLER": "dev.aloft.runtime.testfunctions.Settings",
                  "AWS_LAMBDA_FUNCTION_NAME": "bound-function",
                  "AWS_LAMBDA_FUNCTION_VERSION": "7",
                  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
                  "AWS_REGION": "eu-north-1",
                  "GREETING_STYLE": "formal"
                }}""");
        Outcome answer = api.invoke("\"GREETING_STYLE\"").get(30, TimeUnit.SECONDS);
        Outcome region = api.invoke("\"AWS_REGION\"").get(30, TimeUnit.SECONDS);

        assertThat(answer.kind()).isEqualTo("response");
        assertThat(answer.body()).contains("\"byName\":\"formal\"", "\"inMap\":\"formal\"",
                "\"bindVariable\":\"null\"", "\"function\":\"bound-function:7:512\"");
        assertThat(region.body()).contains("\"byName\":\"eu-north-1\"", "\"inMap\":\"eu-north-1\"");
    }

    @Test
    void retiredBeforeBindingExitsQuietly() throws Exception {
        function = FunctionProcess.startPrewarmed(api, workDir, workDir, FunctionProcess.MODULE_FLAGS);
        api.bindRequested().get(30, TimeUnit.SECONDS);

        api.bind(410, "");

        assertThat(function.awaitExit()).isZero();
        assertThat(function.output()).isEmpty();
    }

    @Test
    void withoutTheModuleFlagTheProcessRefusesToWaitForAFunction() throws Exception {
        function = FunctionProcess.startPrewarmed(api, workDir, workDir, List.of());

        assertThat(function.awaitExit()).isEqualTo(1);
        assertThat(function.output()).contains("--add-opens java.base/java.util=ALL-UNNAMED");
        assertThat(api.bindRequested()).isNotDone();
    }
}
