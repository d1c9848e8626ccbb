package dev.aloft.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aloft.runtime.FakeRuntimeApi.Outcome;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BootstrapTest extends FunctionProcessTest {

    private static final String FUNCTIONS = "dev.aloft.runtime.testfunctions.";

    @Test
    void requestHandlerGetsRecordMappedLikeLambdaAndOneInstanceServesEveryEvent() throws Exception {
        start(FUNCTIONS + "Orders::handleRequest");

        Outcome first = await(api.invoke("{\"ITEM\":\"tea\",\"quantity\":2,\"unknown\":true}"));
        Outcome second = await(api.invoke("{\"item\":\"scones\",\"quantity\":6}"));

        assertThat(first.kind()).isEqualTo("response");
        assertThat(first.body()).contains("\"item\":\"tea\"", "\"quantity\":2", "\"served\":1",
                "\"function\":\"test-function:3\"", "\"memoryMb\":256",
                "\"loader\":\"function\"");
        assertThat(second.body()).contains("\"item\":\"scones\"", "\"served\":2");
        assertThat(remainingMs(first.body())).isBetween(1L, 30_000L);
        assertThat(function.output()).contains("ordering 2 tea\n", "ordering 6 scones\n");
    }

    @Test
    void inputTypeIsFoundThroughSuperclass() throws Exception {
        start(FUNCTIONS + "Inherited");

        assertThat(await(api.invoke("{\"item\":\"jam\",\"quantity\":3}")).body()).isEqualTo("\"3x jam\"");
    }

    @Test
    void streamHandlerSeesRawBytes() throws Exception {
        start(FUNCTIONS + "Upper");

        assertThat(await(api.invoke("not json at all")).body()).isEqualTo("NOT JSON AT ALL");
    }

    @Test
    void aloftHandlerGetsAloftContextAndTraceHeader() throws Exception {
        start(FUNCTIONS + "Greet");

        Outcome traced = await(api.invoke("{\"name\":\"Ada\"}", Optional.of("Root=1-abc;Sampled=1")));
        Outcome untraced = await(api.invoke("{\"name\":\"Bob\"}"));

        assertThat(traced.body()).isEqualTo("{\"greeting\":\"Hello, Ada\",\"traceId\":\"Root=1-abc;Sampled=1\","
                + "\"traceProperty\":\"Root=1-abc;Sampled=1\",\"hasTime\":true}");
        assertThat(untraced.body()).contains("\"traceId\":\"none\"", "\"traceProperty\":\"none\"");
    }

    @Test
    void staticMethodTakesInputOnly() throws Exception {
        start(FUNCTIONS + "Methods::shout");

        assertThat(await(api.invoke("\"hey\"")).body()).isEqualTo("\"HEY!\"");
    }

    @Test
    void instanceMethodTakesGenericInputAndContext() throws Exception {
        start(FUNCTIONS + "Methods::count");

        assertThat(await(api.invoke("[1,2,3]")).body()).contains("\"sum\":6", "\"requestId\":\"");
    }

    @Test
    void thrownExceptionIsReportedWithItsClassAndTheProcessKeepsServing() throws Exception {
        start(FUNCTIONS + "Thrower");

        Outcome failed = await(api.invoke("{\"fail\":true}"));
        Outcome fine = await(api.invoke("{}"));

        assertThat(failed.kind()).isEqualTo("error");
        assertThat(failed.errorTypeHeader()).contains("java.lang.IllegalArgumentException");
        assertThat(failed.body())
                .contains("\"errorMessage\":\"bad input: {fail=true}\"")
                .contains("\"errorType\":\"java.lang.IllegalArgumentException\"")
                .contains("\"stackTrace\":[\"dev.aloft.runtime.testfunctions.Thrower.handleRequest(Thrower.java:");
        assertThat(fine.body()).isEqualTo("\"fine\"");
    }

    @Test
    void checkedExceptionFromMethodIsReportedUnwrapped() throws Exception {
        start(FUNCTIONS + "Methods::broken");

        Outcome failed = await(api.invoke("\"data.csv\""));

        assertThat(failed.errorTypeHeader()).contains("java.io.IOException");
        assertThat(failed.body()).contains("\"errorMessage\":\"disk gone while reading data.csv\"");
    }

    @Test
    void missingClassIsAnInitErrorNamingWhatTheTaskRootHolds() throws Exception {
        start(FUNCTIONS + "Nope::handle");

        Outcome init = await(api.initError());

        assertThat(init.errorTypeHeader()).contains("Runtime.ClassNotFound");
        assertThat(init.body()).contains("\"errorType\":\"Runtime.ClassNotFound\"",
                "Class not found: dev.aloft.runtime.testfunctions.Nope (handler '" + FUNCTIONS + "Nope::handle'; "
                        + "task root " + FunctionProcess.testClasses() + " holds: dev/");
        assertThat(function.awaitExit()).isEqualTo(1);
    }

    @Test
    void missingMethodIsAnInitError() throws Exception {
        start(FUNCTIONS + "Methods::absent");

        Outcome init = await(api.initError());

        assertThat(init.errorTypeHeader()).contains("Runtime.NoSuchMethod");
        assertThat(init.body()).contains("has no public method 'absent'");
        assertThat(function.awaitExit()).isEqualTo(1);
    }

    @Test
    void failingStaticInitializerIsAnInitError() throws Exception {
        start(FUNCTIONS + "BrokenStatic");

        Outcome init = await(api.initError());

        assertThat(init.errorTypeHeader()).contains("Runtime.HandlerInitError");
        assertThat(init.body()).contains("greeting table missing");
        assertThat(function.awaitExit()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"app.jar", "lib/functions.jar"})
    void handlerLoadsFromJarInTaskRoot(String jarPath) throws Exception {
        Path taskRoot = workDir.resolve("task");
        FunctionProcess.writeFunctionsJar(taskRoot.resolve(jarPath));
        function = FunctionProcess.start(api, FUNCTIONS + "Upper", taskRoot, workDir);

        assertThat(await(api.invoke("from a jar")).body()).isEqualTo("FROM A JAR");
    }

    private void start(String handler) {
        function = FunctionProcess.start(api, handler, FunctionProcess.testClasses(), workDir);
    }

    private static Outcome await(CompletableFuture<Outcome> outcome)
            throws InterruptedException, ExecutionException, TimeoutException {
        return outcome.get(30, TimeUnit.SECONDS);
    }

    private static long remainingMs(String body) {
        return Long.parseLong(body.replaceAll(".*\"remainingMs\":(\\d+).*", "$1"));
    }
}
