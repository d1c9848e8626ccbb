package dev.aloft.server.cli;

import static dev.aloft.server.cli.CliSession.BEHAVE_CODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.cli.CliTest.Run;
import dev.aloft.server.it.TestPlatform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every API command run as a user would, in-process, against a real server with real functions. */
class CliEndToEndTest {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    static CliSession cli;

    @BeforeAll
    static void start() {
        // Fast retries, so a failing async event reaches the dead-letter list within a test.
        cli = new CliSession(TestPlatform.start(s -> s.with("async-retry-base-ms", "50")));
        Run deploy = cli.aloft("deploy", "behave", "--runtime", "provided", "--handler", "behave", "--code", BEHAVE_CODE);
        assertThat(deploy.exitCode()).as(deploy.err()).isZero();
        assertThat(deploy.out()).startsWith("deployed behave (provided), code ")
                .contains(cli.platform.server.baseUrl().resolve("/fn/behave").toString());
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    /** A synchronous invoke; its invocation id. */
    static String invoked(String event) {
        return cli.okJson("invoke", "behave", "--data", event, "--json").path("invocationId").asText();
    }

    @Test
    void listFollowsTheServersPagesToTheLastFunction() {
        // The CLI asks without a limit, so the server's page size (1,000) applies: 1,001 functions
        // take two pages. A server of their own keeps the shared one's list short.
        try (CliSession paged = new CliSession(TestPlatform.start(s -> s.with("prewarm", "none")))) {
            byte[] zip = TestPlatform.zip(TestPlatform.FUNCTIONS.resolve("shell-echo"));
            List<String> names = new ArrayList<>();
            for (int i = 0; i <= 1000; i++) {
                names.add(String.format("fn-%04d", i));
                var deploy = paged.platform.deploy(names.getLast(), TestPlatform.deployBody("provided", "echo", zip));
                assertThat(deploy.statusCode()).as(deploy.body()).isEqualTo(201);
            }
            assertThat(TestPlatform.parse(paged.platform.get("/api/v1/functions").body()).has("nextAfter"))
                    .as("the server's first page holds fewer than all functions").isTrue();

            List<String> listed = paged.ok("list").lines().skip(1).map(row -> row.split(" +")[0]).toList();

            assertThat(listed).isEqualTo(names);
        }
    }

    @Test
    void listAndGetShowTheDeployedFunction() {
        assertThat(cli.ok("list")).startsWith("NAME").containsPattern("(?m)^behave +provided +256MB +30s +false ");
        assertThat(cli.ok("get", "behave")).contains("name         behave\n", "runtime      provided\n",
                "handler      behave\n", "sensitive    false\n", "retries      2 (async events)\n",
                "on failure   dead-letter list (aloft dlq behave)\n");
        assertThat(cli.okJson("get", "behave", "--json").path("codeSizeBytes").asLong()).isPositive();
    }

    @Test
    void getShowsTheInstancesAndWhatTheKeepAliveLearned() {
        cli.ok("deploy", "rhythm", "--runtime", "provided", "--handler", "behave", "--code", BEHAVE_CODE);
        assertThat(cli.ok("get", "rhythm")).contains("instances    0 live: 0 idle, 0 initialising, 0 busy, 0 callers waiting\n")
                .containsPattern("(?m)^keep-alive   default: idle instances kept [\\d.]+ (s|min) \\(learns from 10 idle times; 0 so far\\)$");
        // Calls seconds apart: 10 idle times, all in the first minute.
        for (int i = 0; i < 11; i++) {
            cli.ok("invoke", "rhythm");
        }
        assertThat(cli.ok("get", "rhythm")).contains("instances    1 live: 1 idle, 0 initialising, 0 busy, 0 callers waiting\n",
                "keep-alive   learned from 10 idle times: idle instances kept 66 s\n");
    }

    @Test
    void deployPassesLedgerAndAsyncSettingsAndGetShowsThem() {
        cli.ok("deploy", "secret", "--runtime", "provided", "--handler", "behave", "--code", BEHAVE_CODE, "--sensitive",
                "--max-retry-attempts", "1", "--max-event-age", "120", "--on-success", "function:behave",
                "--on-failure", "function:behave", "--min-instances", "1", "--reserved-concurrency", "2");

        assertThat(cli.ok("get", "secret")).contains("provisioned  1 (instances kept started)\n",
                "reserved     2 (instances' memory kept for it)\n", "sensitive    true\n", "retries      1 (async events)\n",
                "event age    at most 120 s (async events)\n", "on success   function:behave\n", "on failure   function:behave\n");
        String id = cli.okJson("invoke", "secret", "--data", "{\"echo\":\"hidden\"}", "--json").path("invocationId").asText();
        assertThat(cli.ok("invocation", id)).contains("input (17 bytes, not kept:").doesNotContain("hidden");
        Run replay = cli.aloft("replay", id);
        assertThat(replay.exitCode()).isEqualTo(1);
        assertThat(replay.err()).startsWith("error: invocation '" + id + "' cannot be replayed: its input was not kept");
    }

    @Test
    void invokePrintsExactlyTheResult() {
        Run invoke = cli.aloft("invoke", "behave", "--data", "{\"echo\":\"hi\"}");

        assertThat(invoke.exitCode()).isZero();
        assertThat(invoke.out()).isEqualTo("{\"echo\": \"hi\"}\n");
        assertThat(invoke.err()).isEmpty();
    }

    @Test
    void invokeWithLogPrintsTheFunctionsLinesToStderr() {
        Run invoke = cli.aloft("invoke", "behave", "--log", "--data", "{\"print\":[\"from the function\"]}");

        assertThat(invoke.exitCode()).isZero();
        assertThat(invoke.err()).contains("from the function");
        assertThat(invoke.out()).doesNotContain("from the function");
    }

    @Test
    void aFailingInvokeExitsWithOneAndTheErrorOnStderr() {
        Run invoke = cli.aloft("invoke", "behave", "--data", "{\"fail\":\"boom\"}");

        assertThat(invoke.exitCode()).isEqualTo(1);
        assertThat(invoke.out()).isEmpty();
        assertThat(invoke.err()).isEqualTo("error: function 'behave' failed (Unhandled): BehaveError: boom\n");
    }

    @Test
    void logsShowTheFunctionsLines() {
        String id = invoked("{\"print\":[\"logged once\",\"logged twice\"]}");

        String shortId = id.substring(id.length() - 8);
        assertThat(cli.ok("logs", "behave")).containsPattern("  " + shortId + "  logged once\n.*  "
                + shortId + "  logged twice\n");
    }

    @Test
    void invocationsListsRecordsWithTheirStatus() {
        String succeeded = invoked("{\"echo\":1}");
        String failed = aloftInvokeFailing();

        String table = cli.ok("invocations", "behave");
        assertThat(table).startsWith("ID").contains("FUNCTION", "TRIGGER", "STATUS", "COLD", "DURATION", "BILLED", "RECEIVED")
                .containsPattern(succeeded + " +behave +invoke +success +(cold|warm) +\\d+ms +\\d+ms ")
                .containsPattern(failed + " +behave +invoke +function_error ");
        assertThat(cli.ok("invocations", "behave", "--status", "function_error")).contains(failed).doesNotContain(succeeded);
        assertThat(cli.ok("invocations", "--since", "1h", "--limit", "1000")).contains(succeeded);
        assertThat(cli.ok("invocations", "--since", "2099-01-01T00:00:00Z")).isEqualTo("no invocations match\n");
        assertThat(cli.okJson("invocations", "behave", "--limit", "1", "--json").path("invocations")).hasSize(1);
    }

    @Test
    void invocationsFollowsCursorsAcrossPages() {
        List<String> newestFirst = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            newestFirst.addFirst(invoked("{\"echo\":" + i + "}"));
        }
        ControlClient client = new ControlClient(cli.platform.server.baseUrl(), cli.platform.server.adminToken(), 2);
        ControlClient.InvocationFilter all = new ControlClient.InvocationFilter(
                Optional.of("behave"), Optional.empty(), Optional.empty());

        List<JsonNode> paged = client.invocations(all, 5);

        assertThat(paged).extracting(record -> record.path("id").asText()).isEqualTo(newestFirst);
    }

    @Test
    void invocationShowsInputOutputAndLogLines() {
        String input = "{\"echo\":\"shown\",\"print\":[\"in the record\"]}";
        String id = invoked(input);

        assertThat(cli.ok("invocation", id)).contains("id           " + id + "\n", "status       success\n",
                "trigger      invoke\n", "error        -\n", "prewarmed    false\n",
                "input (" + input.length() + " bytes)\n" + input + "\n",
                "output (17 bytes)\n{\"echo\": \"shown\"}\n", "logs\n")
                .containsPattern("stdout  in the record\n");
        assertThat(cli.okJson("invocation", id, "--json").path("output").asText()).isEqualTo("{\"echo\": \"shown\"}");
    }

    @Test
    void anUnknownInvocationSaysSo() {
        Run invocation = cli.aloft("invocation", "00000000-0000-0000-0000-000000000000");

        assertThat(invocation.exitCode()).isEqualTo(1);
        assertThat(invocation.err()).startsWith("error: invocation '00000000-0000-0000-0000-000000000000' does not exist");
    }

    @Test
    void replayRunsTheRecordedInputAgain() {
        String original = invoked("{\"echo\":\"again\"}");

        Run replay = cli.aloft("replay", original);

        assertThat(replay.exitCode()).isZero();
        assertThat(replay.out()).isEqualTo("{\"echo\": \"again\"}\n");
        String replayed = firstId(replay.err().replace("replayed as ", ""));
        assertThat(replay.err()).isEqualTo("replayed as " + replayed + "\n");
        JsonNode record = cli.okJson("invocation", replayed, "--json");
        assertThat(record.path("replayOf").asText()).isEqualTo(original);
        assertThat(record.path("trigger").asText()).isEqualTo("replay");
    }

    @Test
    void aReplayThatFailsAgainExitsWithOne() {
        String failed = aloftInvokeFailing();

        Run replay = cli.aloft("replay", failed);

        assertThat(replay.exitCode()).isEqualTo(1);
        assertThat(replay.err()).startsWith("error: replay of " + failed + " failed (Unhandled): BehaveError: boom\n"
                + "replayed as ");
    }

    @Test
    void anAsyncInvokeIsAcceptedThenSucceeds() {
        String out = cli.ok("invoke", "behave", "--async", "--data", "{\"echo\":\"later\"}");
        String id = firstId(out);
        assertThat(out).isEqualTo("accepted " + id + "\n");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(cli.okJson("invocation", id, "--json").path("status").asText()).isEqualTo("success"));
        JsonNode record = cli.okJson("invocation", id, "--json");
        assertThat(record.path("trigger").asText()).isEqualTo("async");
        assertThat(record.path("output").asText()).isEqualTo("{\"echo\": \"later\"}");
    }

    @Test
    void anAsyncInvokeWithASeenKeyIsADuplicate() {
        JsonNode first = cli.okJson("invoke", "behave", "--async", "--idempotency-key", "order-17", "--json");
        String id = first.path("invocationId").asText();
        assertThat(first.path("duplicate").asBoolean()).isFalse();

        assertThat(cli.ok("invoke", "behave", "--async", "--idempotency-key", "order-17")).isEqualTo("duplicate of " + id + "\n");
    }

    @Test
    void anAlwaysFailingAsyncEventEndsInTheDeadLetterListAndRedriveResubmitsIt() {
        String id = firstId(cli.ok("invoke", "behave", "--async", "--data", "{\"fail\":\"always\"}"));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(cli.okJson("dlq", "behave", "--json").path("deadLetters").findValuesAsText("invocationId"))
                        .contains(id));
        assertThat(cli.ok("dlq", "behave")).startsWith("INVOCATION").contains("CONDITION", "ATTEMPTS", "ERROR", "FAILED")
                .containsPattern(id + " +\\S+ +3 +BehaveError: always +\\d{4}-");

        String out = cli.ok("redrive", "behave", id);
        String again = firstId(out);
        assertThat(out).isEqualTo(again + "\n");
        assertThat(again).isNotEqualTo(id);
        assertThat(cli.okJson("dlq", "behave", "--json").path("deadLetters").findValuesAsText("invocationId"))
                .doesNotContain(id);
        assertThat(cli.okJson("invocation", again, "--json").path("trigger").asText()).isEqualTo("async");
    }

    @Test
    void aRedriveOfNothingSaysSo() {
        cli.ok("deploy", "calm", "--runtime", "provided", "--handler", "behave", "--code", BEHAVE_CODE);

        assertThat(cli.ok("dlq", "calm")).isEqualTo("no dead letters for calm\n");
        Run redrive = cli.aloft("redrive", "calm");
        assertThat(redrive.exitCode()).isZero();
        assertThat(redrive.out()).isEmpty();
        assertThat(redrive.err()).isEqualTo("no dead letters for calm: nothing to redrive\n");
    }

    @Test
    void aDeletedFunctionIsGone() {
        cli.ok("deploy", "doomed", "--runtime", "provided", "--handler", "behave", "--code", BEHAVE_CODE);

        assertThat(cli.ok("delete", "doomed")).isEqualTo("deleted doomed\n");
        Run get = cli.aloft("get", "doomed");
        assertThat(get.exitCode()).isEqualTo(1);
        assertThat(get.err()).isEqualTo("error: function 'doomed' does not exist\n");
    }

    @Test
    void aWrongTokenIsRefusedWithTheServersReason() {
        Run list = CliTest.run(Map.of("ALOFT_URL", cli.platform.server.baseUrl().toString(), "ALOFT_TOKEN", "wrong"), "list");

        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err()).startsWith("error: the credential is not valid").contains("ALOFT_TOKEN");
    }

    private static String aloftInvokeFailing() {
        Run invoke = cli.aloft("invoke", "behave", "--data", "{\"fail\":\"boom\"}", "--json");
        assertThat(invoke.exitCode()).isEqualTo(1);
        return TestPlatform.parse(invoke.out()).path("invocationId").asText();
    }

    private static String firstId(String text) {
        Matcher id = UUID.matcher(text);
        assertThat(id.find()).as("an invocation id in: " + text).isTrue();
        return id.group();
    }
}
