package dev.aloft.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aloft.server.cli.CliTest.Run;
import dev.aloft.server.it.TestPlatform;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;
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

    private static final String CODE = TestPlatform.FUNCTIONS.resolve("behave").toString();
    private static final Pattern SCHEDULE_ID = Pattern.compile("sched-[0-9a-f]{8}");

    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = TestPlatform.start();
        for (String name : new String[] {"ticked", "calm"}) {
            ok("deploy", name, "--runtime", "provided", "--handler", "behave", "--code", CODE);
        }
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    static Run aloft(String... args) {
        return CliTest.run(Map.of("ALOFT_URL", platform.server.baseUrl().toString(),
                "ALOFT_TOKEN", platform.server.adminToken()), args);
    }

    static String ok(String... args) {
        Run run = aloft(args);
        assertThat(run.exitCode()).as(String.join(" ", args) + ": " + run.err()).isZero();
        return run.out();
    }

    static JsonNode okJson(String... args) {
        return TestPlatform.parse(ok(args));
    }

    @Test
    void schedulesAreAddedListedAndRemoved() {
        String out = ok("schedule", "add", "ticked", "--rate", "5 minutes");
        String rateId = scheduleId(out);
        JsonNode rate = okJson("schedule", "list", "ticked", "--json").findParents("id").stream()
                .filter(s -> s.path("id").asText().equals(rateId)).findFirst().orElseThrow();
        Instant created = Instant.parse(rate.path("lastFired").asText());
        // What add prints is what the server stored (it once printed an anchor the store had not kept).
        assertThat(out).isEqualTo("added " + rateId + " to ticked: rate(5 minutes)\nnext fire "
                + created.plus(Duration.ofMinutes(5)) + "\n");

        JsonNode cron = okJson("schedule", "add", "ticked", "--cron", "0 0 12 * * ?", "--timezone", "Europe/Berlin",
                "--input", "{\"job\": \"report\"}", "--catch-up", "skip", "--json");
        String cronId = cron.path("id").asText();
        assertThat(cron.path("description").asText()).isEqualTo("cron '0 0 12 * * ?' Europe/Berlin");
        assertThat(cron.path("input").asText()).isEqualTo("{\"job\":\"report\"}");
        assertThat(cron.path("catchUp").asText()).isEqualTo("skip");
        assertThat(cron.path("nextFire").asText()).isEqualTo(nextBerlinNoonAfter(Instant.parse(cron.path("lastFired").asText())));

        assertThat(ok("schedule", "list", "ticked")).startsWith("ID").contains("FUNCTION", "SCHEDULE", "TIMEZONE", "NEXT-FIRE", "LAST-FIRED")
                .containsPattern(rateId + " +ticked +rate\\(5 minutes\\) +- +" + created.plus(Duration.ofMinutes(5)) + " +" + created + "\n")
                .containsPattern(cronId + " +ticked +cron\\(0 0 12 \\* \\* \\?\\) +Europe/Berlin +" + cron.path("nextFire").asText() + " ");
        assertThat(ok("schedule", "list")).contains(rateId, cronId);

        assertThat(ok("schedule", "remove", rateId)).isEqualTo("removed " + rateId + "\n");
        assertThat(ok("schedule", "list", "ticked")).doesNotContain(rateId).contains(cronId);
        Run again = aloft("schedule", "remove", rateId);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("error: schedule '" + rateId + "' does not exist; 'aloft schedule list' shows the ids\n");
    }

    @Test
    void aFunctionWithoutSchedulesSaysSo() {
        assertThat(ok("schedule", "list", "calm"))
                .isEqualTo("no schedules for calm (add one with 'aloft schedule add NAME --rate \"5 minutes\"')\n");
    }

    @Test
    void aBadCronExitsWithOneAndTheServersReason() {
        Run add = aloft("schedule", "add", "ticked", "--cron", "0 */5 * * *");

        assertThat(add.exitCode()).isEqualTo(1);
        assertThat(add.err()).startsWith("error: ").contains("expected 6 or 7 fields");
        assertThat(add.out()).isEmpty();
    }

    @Test
    void addRefusesMissingOrConflictingTimingAndBadOptionsBeforeAnyRequest() {
        Run neither = aloft("schedule", "add", "ticked");
        Run both = aloft("schedule", "add", "ticked", "--cron", "0 0 12 * * ?", "--rate", "1 hour");
        Run catchUp = aloft("schedule", "add", "ticked", "--rate", "1 hour", "--catch-up", "always");
        Run input = aloft("schedule", "add", "ticked", "--rate", "1 hour", "--input", "{job: 1}");

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
        String out = ok("keys", "create", "--description", "ci");

        Matcher printed = Pattern.compile("access key id      (AKIA[A-Z2-7]{16})\nsecret access key  (\\S{40})\n").matcher(out);
        assertThat(printed.lookingAt()).as(out).isTrue();
        String id = printed.group(1);
        String secret = printed.group(2);
        assertThat(out.split(Pattern.quote(secret), -1)).as("the secret appears once").hasSize(2);
        assertThat(out).contains("The secret is not shown again", "export AWS_ACCESS_KEY_ID=" + id + "\n",
                "export AWS_SECRET_ACCESS_KEY=", "export AWS_REGION=us-east-1\n",
                "aws lambda list-functions --endpoint-url " + platform.server.baseUrl().toString().replaceAll("/+$", "") + "\n",
                "aws configure");
        try (LambdaClient lambda = LambdaClient.builder()
                .endpointOverride(platform.server.baseUrl())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret)))
                .httpClient(UrlConnectionHttpClient.builder().build())
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build()) {
            assertThat(lambda.listFunctions().functions()).extracting(f -> f.functionName()).contains("ticked");
        }

        assertThat(ok("keys", "list")).startsWith("ACCESS-KEY-ID").contains("STATUS", "CREATED", "LAST-USED", "DESCRIPTION")
                .containsPattern(id + " +active +\\d{4}-\\S+ +(\\d{4}-\\S+|-) +ci\n");
        assertThat(ok("keys", "list", "--json")).contains(id).doesNotContain(secret);

        assertThat(ok("keys", "delete", id)).isEqualTo("deleted access key " + id + "\n");
        assertThat(ok("keys", "list")).doesNotContain(id);
        Run again = aloft("keys", "delete", id);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).startsWith("error: access key '" + id + "' does not exist");
    }

    @Test
    void createJsonHasTheSecretForScripts() {
        JsonNode key = okJson("keys", "create", "--json");

        assertThat(key.path("accessKeyId").asText()).startsWith("AKIA");
        assertThat(key.path("secretAccessKey").asText()).hasSize(40);
        ok("keys", "delete", key.path("accessKeyId").asText());
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
