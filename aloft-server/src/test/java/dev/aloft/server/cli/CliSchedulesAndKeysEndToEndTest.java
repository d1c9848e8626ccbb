package dev.aloft.server.cli;

import static dev.aloft.server.cli.CliSession.BEHAVE_CODE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.cli.CliTest.Run;
import dev.aloft.server.it.TestPlatform;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

/** Schedules and access keys, run as a user would against a real server. */
class CliSchedulesAndKeysEndToEndTest {

    private static final Pattern SCHEDULE_ID = Pattern.compile("sched-[0-9a-f]{8}");

    static CliSession cli;

    @BeforeAll
    static void start() {
        cli = new CliSession(TestPlatform.start());
        for (String name : new String[] {"ticked", "calm"}) {
            cli.ok("deploy", name, "--runtime", "provided", "--handler", "behave", "--code", BEHAVE_CODE);
        }
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    @Test
    void schedulesAreAddedListedAndRemoved() {
        String out = cli.ok("schedule", "add", "ticked", "--rate", "5 minutes");
        String rateId = scheduleId(out);
        JsonNode rate = cli.okJson("schedule", "list", "ticked", "--json").findParents("id").stream()
                .filter(s -> s.path("id").asText().equals(rateId)).findFirst().orElseThrow();
        Instant created = Instant.parse(rate.path("lastFired").asText());
        // What add prints is what the server stored (it once printed an anchor the store had not kept).
        assertThat(out).isEqualTo("added " + rateId + " to ticked: rate(5 minutes)\nnext fire "
                + created.plus(Duration.ofMinutes(5)) + "\n");

        JsonNode cron = cli.okJson("schedule", "add", "ticked", "--cron", "0 0 12 * * ?", "--timezone", "Europe/Berlin",
                "--input", "{\"job\": \"report\"}", "--catch-up", "skip", "--json");
        String cronId = cron.path("id").asText();
        assertThat(cron.path("description").asText()).isEqualTo("cron '0 0 12 * * ?' Europe/Berlin");
        assertThat(cron.path("input").asText()).isEqualTo("{\"job\":\"report\"}");
        assertThat(cron.path("catchUp").asText()).isEqualTo("skip");
        assertThat(cron.path("nextFire").asText()).isEqualTo(nextBerlinNoonAfter(Instant.parse(cron.path("lastFired").asText())));

        assertThat(cli.ok("schedule", "list", "ticked")).startsWith("ID").contains("FUNCTION", "SCHEDULE", "TIMEZONE", "NEXT-FIRE", "LAST-FIRED")
                .containsPattern(rateId + " +ticked +rate\\(5 minutes\\) +- +" + created.plus(Duration.ofMinutes(5)) + " +" + created + "\n")
                .containsPattern(cronId + " +ticked +cron\\(0 0 12 \\* \\* \\?\\) +Europe/Berlin +" + cron.path("nextFire").asText() + " ");
        assertThat(cli.ok("schedule", "list")).contains(rateId, cronId);

        assertThat(cli.ok("schedule", "remove", rateId)).isEqualTo("removed " + rateId + "\n");
        assertThat(cli.ok("schedule", "list", "ticked")).doesNotContain(rateId).contains(cronId);
        Run again = cli.aloft("schedule", "remove", rateId);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("error: schedule '" + rateId + "' does not exist; 'aloft schedule list' shows the ids\n");
    }

    @Test
    void aFunctionWithoutSchedulesSaysSo() {
        assertThat(cli.ok("schedule", "list", "calm"))
                .isEqualTo("no schedules for calm (add one with 'aloft schedule add NAME --rate \"5 minutes\"')\n");
    }

    @Test
    void aBadCronExitsWithOneAndTheServersReason() {
        Run add = cli.aloft("schedule", "add", "ticked", "--cron", "0 */5 * * *");

        assertThat(add.exitCode()).isEqualTo(1);
        assertThat(add.err()).startsWith("error: ").contains("expected 6 or 7 fields");
        assertThat(add.out()).isEmpty();
    }

    @Test
    void addRefusesMissingOrConflictingTimingAndBadOptionsBeforeAnyRequest() {
        Run neither = cli.aloft("schedule", "add", "ticked");
        Run both = cli.aloft("schedule", "add", "ticked", "--cron", "0 0 12 * * ?", "--rate", "1 hour");
        Run catchUp = cli.aloft("schedule", "add", "ticked", "--rate", "1 hour", "--catch-up", "always");
        Run input = cli.aloft("schedule", "add", "ticked", "--rate", "1 hour", "--input", "{job: 1}");

        assertThat(neither.exitCode()).isEqualTo(2);
        assertThat(neither.err()).contains("--cron", "--rate");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
        assertThat(catchUp.exitCode()).isEqualTo(2);
        assertThat(catchUp.err()).startsWith("error: --catch-up must be fire-once or skip, got 'always'\n");
        assertThat(input.exitCode()).isEqualTo(2);
        assertThat(input.err()).startsWith("error: --input is not valid JSON");
    }

    @Test
    void aCreatedKeyIsShownOnceWorksWithTheAwsSdkAndCanBeDeleted() {
        String out = cli.ok("keys", "create", "--description", "ci");

        Matcher printed = Pattern.compile("access key id      (AKIA[A-Z2-7]{16})\nsecret access key  (\\S{40})\n").matcher(out);
        assertThat(printed.lookingAt()).as(out).isTrue();
        String id = printed.group(1);
        String secret = printed.group(2);
        assertThat(out.split(Pattern.quote(secret), -1)).as("the secret appears once").hasSize(2);
        assertThat(out).contains("The secret is not shown again", "export AWS_ACCESS_KEY_ID=" + id + "\n",
                "export AWS_SECRET_ACCESS_KEY=", "export AWS_REGION=us-east-1\n",
                "aws lambda list-functions --endpoint-url " + cli.platform.server.baseUrl().toString().replaceAll("/+$", "") + "\n",
                "aws configure");
        try (LambdaClient lambda = LambdaClient.builder()
                .endpointOverride(cli.platform.server.baseUrl())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret)))
                .httpClient(UrlConnectionHttpClient.builder().build())
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build()) {
            assertThat(lambda.listFunctions().functions()).extracting(f -> f.functionName()).contains("ticked");
        }

        assertThat(cli.ok("keys", "list")).startsWith("ACCESS-KEY-ID").contains("STATUS", "CREATED", "LAST-USED", "DESCRIPTION")
                .containsPattern(id + " +active +\\d{4}-\\S+ +(\\d{4}-\\S+|-) +ci\n");
        assertThat(cli.ok("keys", "list", "--json")).contains(id).doesNotContain(secret);

        assertThat(cli.ok("keys", "delete", id)).isEqualTo("deleted access key " + id + "\n");
        assertThat(cli.ok("keys", "list")).doesNotContain(id);
        Run again = cli.aloft("keys", "delete", id);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).startsWith("error: access key '" + id + "' does not exist");
    }

    @Test
    void createJsonHasTheSecretForScripts() {
        JsonNode key = cli.okJson("keys", "create", "--json");

        assertThat(key.path("accessKeyId").asText()).startsWith("AKIA");
        assertThat(key.path("secretAccessKey").asText()).hasSize(40);
        cli.ok("keys", "delete", key.path("accessKeyId").asText());
    }

    private static String scheduleId(String text) {
        Matcher id = SCHEDULE_ID.matcher(text);
        assertThat(id.find()).as("a schedule id in: " + text).isTrue();
        return id.group();
    }

    private static String nextBerlinNoonAfter(Instant after) {
        ZonedDateTime berlin = after.atZone(ZoneId.of("Europe/Berlin"));
        ZonedDateTime noon = berlin.with(LocalTime.NOON);
        return (noon.isAfter(berlin) ? noon : noon.plusDays(1)).toInstant().toString();
    }
}
