package dev.aloft.server.cli;

import static dev.aloft.server.cli.CliSession.BEHAVE_CODE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.cli.CliTest.Run;
import dev.aloft.server.it.TestPlatform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Publish, versions, aliases, invoke NAME:QUALIFIER and replay --version, run as a user would against a real server. */
class CliVersionsEndToEndTest {


    static CliSession cli;

    @BeforeAll
    static void start() {
        cli = new CliSession(TestPlatform.start());
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    /** The behave function; its result for an event without "echo" shows GREETING, so each version is recognisable. */
    private static void deploy(String name, String greeting) {
        cli.ok("deploy", name, "--runtime", "provided", "--handler", "behave", "--code", BEHAVE_CODE, "--env", "GREETING=" + greeting);
    }

    /** Deploys {@code greetings} in turn, publishing each as the next version, then "latest" unpublished. */
    private static void deployVersions(String name, String... greetings) {
        for (String greeting : greetings) {
            deploy(name, greeting);
            cli.ok("publish", name);
        }
        deploy(name, "latest");
    }

    private static String greetingOf(String target) {
        return cli.okJson("invoke", target, "--json").path("result").path("env").path("GREETING").asText();
    }

    @Test
    void publishPrintsTheVersionAndSaysWhenNothingChanged() {
        deploy("published", "one");

        String out = cli.ok("publish", "published", "--description", "first");

        JsonNode first = cli.okJson("versions", "published", "--json").path("versions").get(0);
        assertThat(out).isEqualTo("published published version 1 (code sha256 " + first.path("codeSha256").asText() + ")\n");
        assertThat(first.path("description").asText()).isEqualTo("first");
        assertThat(cli.ok("publish", "published")).startsWith("nothing new to publish: published version 1 already has this"
                + " code and configuration");
        deploy("published", "two");
        assertThat(cli.okJson("publish", "published", "--json").path("version").asText()).isEqualTo("2");
        assertThat(cli.ok("versions", "published")).startsWith("VERSION  CODE")
                .contains("RUNTIME", "MEMORY", "TIMEOUT", "PUBLISHED", "DESCRIPTION")
                .containsPattern("(?m)^1 +" + first.path("codeSha256").asText().substring(0, 12)
                        + " +provided +256MB +30s +\\d{4}-\\S+ +first$")
                .containsPattern("(?m)^2 +[0-9a-f]{12} +provided .* -$");
    }

    @Test
    void versionsOfAnUnpublishedFunctionSaySo() {
        deploy("unpublished", "one");

        assertThat(cli.ok("versions", "unpublished"))
                .isEqualTo("no versions of unpublished yet (publish one with 'aloft publish unpublished')\n");
    }

    @Test
    void anAliasRoutesInvokesUntilItIsDeleted() {
        deployVersions("aliased", "one", "two");

        assertThat(cli.ok("alias", "aliased", "live", "--version", "1", "--description", "production"))
                .isEqualTo("aliased:live routes to version 1\n");

        assertThat(cli.ok("invoke", "aliased:live", "--data", "{\"echo\": 1}")).isEqualTo("{\"echo\": 1}\n");
        assertThat(greetingOf("aliased:live")).isEqualTo("one");
        assertThat(greetingOf("aliased:2")).isEqualTo("two");
        assertThat(greetingOf("aliased:$LATEST")).isEqualTo("latest");
        assertThat(greetingOf("aliased")).isEqualTo("latest");
        String id = cli.okJson("invoke", "aliased:live", "--json").path("invocationId").asText();
        JsonNode record = cli.okJson("invocation", id, "--json");
        assertThat(record.path("version").asText()).isEqualTo("1");
        assertThat(record.path("qualifier").asText()).isEqualTo("live");
        assertThat(cli.ok("aliases", "aliased")).startsWith("ALIAS  ROUTES TO")
                .containsPattern("(?m)^live +version 1 +\\d{4}-\\S+ +production$");
        assertThat(cli.ok("alias", "aliased", "live")).isEqualTo("aliased:live routes to version 1\n");

        assertThat(cli.ok("alias", "aliased", "live", "--delete")).isEqualTo("deleted alias aliased:live\n");
        Run invoke = cli.aloft("invoke", "aliased:live");
        assertThat(invoke.exitCode()).isEqualTo(1);
        assertThat(invoke.err()).isEqualTo("error: function 'aliased' has no alias or version 'live'\n");
        assertThat(cli.ok("aliases", "aliased"))
                .isEqualTo("no aliases for aliased (add one with 'aloft alias aliased ALIAS --version N')\n");
    }

    @Test
    void aWeightedAliasShowsBothVersionsAndTheirShares() {
        deployVersions("canary", "stable", "next");

        assertThat(cli.ok("alias", "canary", "live", "--version", "1", "--weight", "2=0.1"))
                .isEqualTo("canary:live routes to version 1 (90%), version 2 (10%)\n");

        JsonNode alias = cli.okJson("alias", "canary", "live", "--json");
        assertThat(alias.path("additionalVersion").asText()).isEqualTo("2");
        assertThat(alias.path("additionalWeight").asDouble()).isEqualTo(0.1);
        assertThat(cli.ok("aliases", "canary")).containsPattern("(?m)^live +version 1 \\(90%\\), version 2 \\(10%\\) +\\S+ +-$");
        assertThat(greetingOf("canary:live")).isIn("stable", "next");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2=1.5", "2=1", "2=0", "2=-0.1", "2=abc", "2=NaN", "2", "=0.5", "2="})
    void aWeightThatIsNotVersionEqualsFractionIsRefusedBeforeAnyRequest(String weight) {
        Run alias = cli.aloft("alias", "canary", "live", "--version", "1", "--weight", weight);

        assertThat(alias.exitCode()).isEqualTo(2);
        assertThat(alias.err()).startsWith("error: --weight must be VERSION=FRACTION with a fraction between 0 and 1"
                + " (exclusive), e.g. 2=0.1 to send 10% of calls to version 2; got '" + weight + "'\n");
    }

    @Test
    void aWeightNeedsAVersionAndDeleteStandsAlone() {
        Run weightOnly = cli.aloft("alias", "canary", "live", "--weight", "2=0.1");
        Run deleteAndMove = cli.aloft("alias", "canary", "live", "--delete", "--version", "1");

        assertThat(weightOnly.exitCode()).isEqualTo(2);
        assertThat(weightOnly.err()).startsWith("error: --weight and --description need --version");
        assertThat(deleteAndMove.exitCode()).isEqualTo(2);
        assertThat(deleteAndMove.err()).startsWith("error: --delete cannot be combined with --version");
    }

    @Test
    void theServerRefusesAWeightOnTheSameVersionOrAnUnpublishedOne() {
        deployVersions("refused", "one");

        Run same = cli.aloft("alias", "refused", "live", "--version", "1", "--weight", "1=0.5");
        Run unpublished = cli.aloft("alias", "refused", "live", "--version", "7");

        assertThat(same.exitCode()).isEqualTo(1);
        assertThat(same.err()).isEqualTo("error: the additional version must differ from the alias's version 1\n");
        assertThat(unpublished.exitCode()).isEqualTo(1);
        assertThat(unpublished.err()).isEqualTo("error: function 'refused' has no version 7 (latest is 1)\n");
    }

    @Test
    void invokeLogShowsTheLinesOfTheVersionThatRan() {
        deployVersions("logged", "one");

        Run invoke = cli.aloft("invoke", "logged:1", "--log", "--data", "{\"print\": [\"from version 1\"], \"echo\": 1}");

        assertThat(invoke.exitCode()).as(invoke.err()).isZero();
        assertThat(invoke.out()).isEqualTo("{\"echo\": 1}\n");
        assertThat(invoke.err()).contains("from version 1");
    }

    @Test
    void onlyInvokeTakesAQualifiedName() {
        Run logs = cli.aloft("logs", "aliased:live");
        Run invoke = cli.aloft("invoke", "aliased:");

        assertThat(logs.exitCode()).isEqualTo(1);
        assertThat(logs.err()).isEqualTo("error: function name 'aliased:live' is not valid: use 1 to 64 letters, digits,"
                + " '-' or '_' (a version or alias, NAME:QUALIFIER, is only for invoke and schedules)\n");
        assertThat(invoke.exitCode()).isEqualTo(1);
        assertThat(invoke.err()).startsWith("error: function 'aliased:' is not valid: use NAME, NAME:VERSION or NAME:ALIAS");
    }

    @Test
    void replayRunsTheRecordedInputOnAnotherVersion() {
        deployVersions("replayed", "one", "two");
        String original = cli.okJson("invoke", "replayed:1", "--json").path("invocationId").asText();

        Run onTwo = cli.aloft("replay", original, "--version", "2", "--json");
        Run asRecorded = cli.aloft("replay", original, "--json");
        Run onMissing = cli.aloft("replay", original, "--version", "9");

        assertThat(onTwo.exitCode()).as(onTwo.err()).isZero();
        JsonNode replayed = TestPlatform.parse(onTwo.out());
        assertThat(replayed.path("result").path("env").path("GREETING").asText()).isEqualTo("two");
        JsonNode record = cli.okJson("invocation", replayed.path("invocationId").asText(), "--json");
        assertThat(record.path("replayOf").asText()).isEqualTo(original);
        assertThat(record.path("version").asText()).isEqualTo("2");
        assertThat(TestPlatform.parse(asRecorded.out()).path("result").path("env").path("GREETING").asText()).isEqualTo("one");
        assertThat(onMissing.exitCode()).isEqualTo(1);
        assertThat(onMissing.err()).isEqualTo("error: function 'replayed' has no version 9 (latest is 2)\n");
    }
}
