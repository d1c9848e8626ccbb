package dev.aloft.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aloft.server.AloftException;
import dev.aloft.server.ServerSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {

    @TempDir
    Path tmp;

    record Run(int exitCode, String out, String err) {}

    static Run run(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = AloftCommand.commandLine(environment, new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void everyCommandsHelpListsItsOptions() {
        Map<String, List<String>> expected = Map.ofEntries(
                Map.entry("up", List.of("--port", "--data", "--set", "--no-examples")),
                Map.entry("deploy", List.of("NAME", "--runtime", "--handler", "--code", "--memory", "--timeout", "--env",
                        "--concurrency", "--min-instances", "--reserved-concurrency", "--public", "--private", "--sensitive", "--max-retry-attempts",
                        "--max-event-age", "--on-success", "--on-failure", "--json", "--url", "--data-dir")),
                Map.entry("list", List.of("--json", "--url", "--data-dir")),
                Map.entry("get", List.of("NAME", "--json", "--url", "--data-dir")),
                Map.entry("delete", List.of("NAME", "--url", "--data-dir")),
                Map.entry("invoke", List.of("NAME", "--data", "--data-file", "--log", "--async", "--idempotency-key", "--json",
                        "--url", "--data-dir")),
                Map.entry("logs", List.of("NAME", "--follow", "--limit", "--json", "--url", "--data-dir")),
                Map.entry("invocations", List.of("NAME", "--status", "--since", "--limit", "--json", "--url", "--data-dir")),
                Map.entry("invocation", List.of("ID", "--json", "--url", "--data-dir")),
                Map.entry("replay", List.of("ID", "--version", "--json", "--url", "--data-dir")),
                Map.entry("dlq", List.of("NAME", "--json", "--url", "--data-dir")),
                Map.entry("redrive", List.of("NAME", "ID", "--url", "--data-dir")),
                Map.entry("schedule", List.of("add", "list", "remove")),
                Map.entry("schedule add", List.of("NAME", "--cron", "--rate", "--timezone", "--input", "--catch-up", "--json",
                        "--url", "--data-dir")),
                Map.entry("schedule list", List.of("NAME", "--json", "--url", "--data-dir")),
                Map.entry("schedule remove", List.of("ID", "--url", "--data-dir")),
                Map.entry("publish", List.of("NAME", "--description", "--json", "--url", "--data-dir")),
                Map.entry("versions", List.of("NAME", "--json", "--url", "--data-dir")),
                Map.entry("alias", List.of("NAME", "ALIAS", "--version", "--weight", "--description", "--delete", "--json",
                        "--url", "--data-dir")),
                Map.entry("aliases", List.of("NAME", "--json", "--url", "--data-dir")),
                Map.entry("keys", List.of("create", "list", "delete")),
                Map.entry("keys create", List.of("--description", "--json", "--url", "--data-dir")),
                Map.entry("keys list", List.of("--json", "--url", "--data-dir")),
                Map.entry("keys delete", List.of("ID", "--url", "--data-dir")));
        assertThat(run(Map.of(), "--help").out())
                .contains(expected.keySet().stream().filter(command -> !command.contains(" ")).toList());
        expected.forEach((command, options) -> {
            Run help = run(Map.of(), Stream.concat(Stream.of(command.split(" ")), Stream.of("--help")).toArray(String[]::new));
            assertThat(help.exitCode()).as(command).isZero();
            assertThat(help.out()).as(command).contains("--help").contains(options);
        });
    }

    @Test
    void commandsWithTheirOwnVersionOptionStillShowTheToolVersionAtTheTop() {
        assertThat(run(Map.of(), "--version").out()).isEqualTo("aloft 0.1.0\n");
        assertThat(run(Map.of(), "alias", "-h").out()).contains("--version=VERSION");
    }

    @Test
    void aWeightIsAVersionAndAFractionStrictlyBetweenZeroAndOne() {
        assertThat(AliasCommand.parseWeight("2=0.1")).contains(new AliasCommand.Weight("2", new BigDecimal("0.1")));
        assertThat(AliasCommand.parseWeight(" $LATEST = 0.25 ")).contains(new AliasCommand.Weight("$LATEST", new BigDecimal("0.25")));
        assertThat(AliasCommand.parseWeight("2=0.999")).isPresent();
        for (String refused : List.of("2=1.5", "2=1", "2=0", "2=-0.1", "2=1e400", "2=Infinity", "2", "=0.5", "2=", "2=0.1=3")) {
            assertThat(AliasCommand.parseWeight(refused)).as(refused).isEmpty();
        }
    }

    @Test
    void upHelpListsEverySetting() {
        String help = run(Map.of(), "up", "--help").out();
        for (ServerSettings.Setting setting : ServerSettings.SETTINGS) {
            assertThat(help).contains(setting.key(), setting.envVar(), "default: " + setting.defaultValue(), setting.doc());
        }
    }

    @Test
    void upRefusesAnUnknownSettingBeforeStarting() {
        Run up = run(Map.of(), "up", "--set", "colour=blue");

        assertThat(up.exitCode()).isEqualTo(1);
        assertThat(up.err()).startsWith("error: unknown setting 'colour'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{name: 1}", "{\"a\":1} junk", "", "hello"})
    void invokeRefusesDataThatIsNotJson(String data) {
        Run invoke = run(Map.of("ALOFT_TOKEN", "t"), "invoke", "hello", "--data", data);

        assertThat(invoke.exitCode()).isEqualTo(2);
        assertThat(invoke.err()).startsWith("error: --data is ").contains("JSON");
    }

    @Test
    void invokeReadsTheEventFileAndChecksIt() throws IOException {
        Path event = Files.writeString(tmp.resolve("event.json"), "[1, 2");

        Run invoke = run(Map.of("ALOFT_TOKEN", "t"), "invoke", "hello", "--data-file", event.toString());

        assertThat(invoke.exitCode()).isEqualTo(2);
        assertThat(invoke.err()).startsWith("error: --data-file " + event + " is not valid JSON");
    }

    @Test
    void invokeTakesDataOrDataFileNotBoth() {
        Run invoke = run(Map.of("ALOFT_TOKEN", "t"), "invoke", "hello", "--data", "{}", "--data-file", "e.json");

        assertThat(invoke.exitCode()).isEqualTo(2);
        assertThat(invoke.err()).contains("mutually exclusive");
    }

    @Test
    void asyncInvokeCannotWaitForLogLines() {
        Run invoke = run(Map.of("ALOFT_TOKEN", "t"), "invoke", "hello", "--async", "--log");

        assertThat(invoke.exitCode()).isEqualTo(2);
        assertThat(invoke.err()).startsWith("error: --async and --log cannot be combined");
    }

    @Test
    void anIdempotencyKeyNeedsAsync() {
        Run invoke = run(Map.of("ALOFT_TOKEN", "t"), "invoke", "hello", "--idempotency-key", "k1");

        assertThat(invoke.exitCode()).isEqualTo(2);
        assertThat(invoke.err()).startsWith("error: --idempotency-key needs --async");
    }

    @Test
    void sinceTakesAnInstantOrAnAgeBeforeNow() {
        Instant now = Instant.parse("2026-11-26T10:00:00Z");

        assertThat(InvocationsCommand.parseSince("2026-11-25T08:30:00Z", now)).contains(Instant.parse("2026-11-25T08:30:00Z"));
        assertThat(InvocationsCommand.parseSince("30s", now)).contains(Instant.parse("2026-11-26T09:59:30Z"));
        assertThat(InvocationsCommand.parseSince("15m", now)).contains(Instant.parse("2026-11-26T09:45:00Z"));
        assertThat(InvocationsCommand.parseSince("2h", now)).contains(Instant.parse("2026-11-26T08:00:00Z"));
        assertThat(InvocationsCommand.parseSince("3d", now)).contains(Instant.parse("2026-11-23T10:00:00Z"));
        assertThat(InvocationsCommand.parseSince("yesterday", now)).isEmpty();
        assertThat(InvocationsCommand.parseSince("15", now)).isEmpty();
    }

    @Test
    void aSinceThatIsNeitherIsRefusedBeforeAnyRequest() {
        Run invocations = run(Map.of("ALOFT_TOKEN", "t"), "invocations", "--since", "15 minutes");

        assertThat(invocations.exitCode()).isEqualTo(2);
        assertThat(invocations.err()).startsWith("error: --since must be an instant such as 2026-11-26T10:00:00Z"
                + " or an age such as 30s, 15m, 2h or 3d, got '15 minutes'");
    }

    @Test
    void anInvocationIdThatCannotBeOneIsRefusedBeforeAnyRequest() {
        Run invocation = run(Map.of("ALOFT_TOKEN", "t"), "invocation", "../functions");

        assertThat(invocation.exitCode()).isEqualTo(1);
        assertThat(invocation.err()).startsWith("error: invocation id '../functions' is not valid");
    }

    @Test
    void deployNeedsRuntimeHandlerAndCode() {
        Run deploy = run(Map.of("ALOFT_TOKEN", "t"), "deploy", "hello", "--runtime", "nodejs20");

        assertThat(deploy.exitCode()).isEqualTo(2);
        assertThat(deploy.err()).contains("--code", "--handler");
    }

    @Test
    void deployOfAMissingCodePathSaysWhichPath() {
        Path missing = tmp.resolve("nowhere");

        Run deploy = run(Map.of("ALOFT_TOKEN", "t"), "deploy", "hello", "--runtime", "provided",
                "--handler", "hello", "--code", missing.toString());

        assertThat(deploy.exitCode()).isEqualTo(1);
        assertThat(deploy.err()).isEqualTo("error: code path " + missing + " does not exist\n");
    }

    @Test
    void aFunctionNameThatCannotBeOneIsRefusedBeforeAnyRequest() {
        Run get = run(Map.of("ALOFT_TOKEN", "t"), "get", "../functions");

        assertThat(get.exitCode()).isEqualTo(1);
        assertThat(get.err()).contains("function name '../functions' is not valid");
    }

    @Test
    void withoutAServerTheErrorSaysWhereItLookedAndHowToStartOne() throws IOException {
        int closedPort = closedPort();
        String expected = "error: no Aloft server at http://127.0.0.1:" + closedPort
                + " (start one with ./aloft up, or set ALOFT_URL)\n";

        Run byFlag = run(Map.of("ALOFT_TOKEN", "t"), "list", "--url", "http://127.0.0.1:" + closedPort);
        Run byPort = run(Map.of("ALOFT_TOKEN", "t", "ALOFT_PORT", Integer.toString(closedPort)), "list");
        Run byUrl = run(Map.of("ALOFT_TOKEN", "t", "ALOFT_URL", "http://127.0.0.1:" + closedPort + "/"), "list");

        for (Run list : List.of(byFlag, byPort, byUrl)) {
            assertThat(list.exitCode()).isEqualTo(1);
            assertThat(list.err()).isEqualTo(expected);
        }
    }

    @Test
    void tokenComesFromTheEnvironmentThenTheDataDirectory() throws IOException {
        Path dataDir = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(dataDir.resolve("admin-token"), "from-file\n");

        assertThat(ConnectionOptions.token(Optional.of(dataDir), Map.of())).isEqualTo("from-file");
        assertThat(ConnectionOptions.token(Optional.empty(), Map.of("ALOFT_DATA", dataDir.toString())))
                .isEqualTo("from-file");
        assertThat(ConnectionOptions.token(Optional.of(dataDir), Map.of("ALOFT_TOKEN", "from-env")))
                .isEqualTo("from-env");
    }

    @Test
    void aMissingTokenSaysWhereItLooked() {
        Path empty = tmp.resolve("empty");

        assertThatThrownBy(() -> ConnectionOptions.token(Optional.of(empty), Map.of()))
                .isInstanceOf(AloftException.class)
                .hasMessageContaining("ALOFT_TOKEN is not set")
                .hasMessageContaining(empty.resolve("admin-token").toString());
        Run list = run(Map.of(), "list", "--data-dir", empty.toString());
        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err()).startsWith("error: no admin token").contains(empty.toString());
    }

    @Test
    void aZippedDirectoryUnzipsToTheSameFilesAndModes() throws IOException {
        Path code = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(code.resolve("bootstrap"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(code.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(Files.createDirectories(code.resolve("lib/nested")).resolve("data.txt"), "nested");
        Files.write(code.resolve("blob.bin"), new byte[] {0, 1, 2, (byte) 255});

        byte[] zip = CodeArchive.bytes(code);
        Path unzipped = unzip(zip, tmp.resolve("unzipped"));

        assertThat(tree(unzipped)).isEqualTo(tree(code));
        for (Path file : tree(code)) {
            if (Files.isRegularFile(code.resolve(file))) {
                assertThat(unzipped.resolve(file)).hasSameBinaryContentAs(code.resolve(file));
            }
        }
        assertThat(Files.getPosixFilePermissions(unzipped.resolve("bootstrap"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.getPosixFilePermissions(unzipped.resolve("blob.bin")))
                .isEqualTo(Files.getPosixFilePermissions(code.resolve("blob.bin")));
    }

    /** Zip times have one-second resolution, so the second archive is made in a later second. */
    @Test
    void unchangedCodeZipsToTheSameBytesLater() throws IOException {
        Path code = Files.createDirectories(tmp.resolve("code/lib"));
        Files.writeString(code.resolve("index.js"), "exports.handler = async () => 'hi';");
        long firstSecond = Instant.now().getEpochSecond();
        byte[] first = CodeArchive.bytes(code);

        await().until(() -> Instant.now().getEpochSecond() > firstSecond);

        assertThat(CodeArchive.bytes(code)).isEqualTo(first);
    }

    @Test
    void aJarIsSentAsIs() throws IOException {
        Path jar = Files.write(tmp.resolve("f.jar"), new byte[] {'P', 'K', 3, 4});

        assertThat(CodeArchive.bytes(jar)).containsExactly('P', 'K', 3, 4);
    }

    @Test
    void theInvocationsTableTellsWarmColdAndPrewarmedStartsApart() throws IOException {
        var json = new ObjectMapper();
        List<JsonNode> records = List.of(
                json.readTree("{\"id\":\"a\",\"cold\":false,\"prewarmed\":false}"),
                json.readTree("{\"id\":\"b\",\"cold\":true,\"prewarmed\":false}"),
                json.readTree("{\"id\":\"c\",\"cold\":true,\"prewarmed\":true}"));
        StringWriter out = new StringWriter();
        ConsoleView.printInvocations(new PrintWriter(out), records);
        assertThat(out.toString()).containsPattern("(?m)^a +.* warm ").containsPattern("(?m)^b +.* cold ")
                .containsPattern("(?m)^c +.* prewarmed ");
    }

    @Test
    void getPrintsAPrewarmingWindowAndSkipsVersionsWithoutInstances() throws IOException {
        JsonNode scaling = new ObjectMapper().readTree("""
                {"function": "periodic", "pools": [
                  {"version": "$LATEST", "instances": {"live": 0, "idle": 0, "initialising": 0, "busy": 0, "waitingCallers": 0},
                   "keepAlive": {"learned": true, "idleTimesCounted": 10, "prewarmAfterSeconds": 540.0, "keepAliveSeconds": 726.0}},
                  {"version": "1", "instances": {"live": 0, "idle": 0, "initialising": 0, "busy": 0, "waitingCallers": 0},
                   "keepAlive": {"learned": false, "idleTimesCounted": 0, "prewarmAfterSeconds": 0.0, "keepAliveSeconds": 300.0}},
                  {"version": "2", "instances": {"live": 3, "idle": 1, "initialising": 1, "busy": 1, "waitingCallers": 0},
                   "keepAlive": {"learned": false, "idleTimesCounted": 3, "prewarmAfterSeconds": 0.0, "keepAliveSeconds": 60.0}}]}""");
        StringWriter out = new StringWriter();
        ConsoleView.printScaling(new PrintWriter(out), scaling);
        assertThat(out.toString()).isEqualTo("""
                instances    0 live: 0 idle, 0 initialising, 0 busy, 0 callers waiting
                keep-alive   learned from 10 idle times: none kept for 9.0 min after a call, then one started and kept until 12.1 min
                instances (2) 3 live: 1 idle, 1 initialising, 1 busy, 0 callers waiting
                keep-alive (2) default: idle instances kept 60 s (learns from 10 idle times; 3 so far)
                """);
    }

    @Test
    void getSaysWhenSaturatedCoresHoldScaleOutBack() throws IOException {
        JsonNode scaling = new ObjectMapper().readTree("""
                {"function": "burner", "pools": [
                  {"version": "$LATEST", "instances": {"live": 3, "idle": 0, "initialising": 0, "busy": 3, "waitingCallers": 7},
                   "keepAlive": {"learned": false, "idleTimesCounted": 0, "prewarmAfterSeconds": 0.0, "keepAliveSeconds": 300.0}}],
                 "cpu": {"nodeSaturated": true, "callersHeld": 412}}""");
        StringWriter out = new StringWriter();
        ConsoleView.printScaling(new PrintWriter(out), scaling);
        assertThat(out.toString()).endsWith("""
                cpu          node CPUs saturated: instances start only while they add throughput; 412 calls waited for a busy instance for that
                """);

        // A quota is worth a line even while nothing is held.
        ((ObjectNode) scaling.path("cpu")).put("quotaCores", 1.5).put("nodeSaturated", false).put("callersHeld", 0);
        StringWriter underQuota = new StringWriter();
        ConsoleView.printScaling(new PrintWriter(underQuota), scaling);
        assertThat(underQuota.toString()).endsWith("""
                cpu          node CPUs not saturated now (the server's cgroup allows 1.50 cores); 0 calls waited for a busy instance for that
                """);
    }

    @Test
    void everyExampleHasAValidManifest() throws IOException {
        Path examples = Path.of(System.getProperty("aloft.home", "..")).resolve("examples");
        try (Stream<Path> dirs = Files.list(examples)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                FunctionSpec spec = FunctionSpec.readManifest(dir.resolve("aloft.json"));
                assertThat(spec.name()).isEqualTo(dir.getFileName().toString());
                assertThat(spec.runtime()).isIn("java25", "nodejs20", "python3", "provided");
                assertThat(spec.code()).startsWith(dir.toAbsolutePath().normalize());
            }
        }
    }

    @Test
    void aManifestNumberThatIsNotWholeIsRefusedNotTruncated(@TempDir Path dir) throws IOException {
        Path manifest = dir.resolve("aloft.json");
        String base = "{\"name\": \"f\", \"runtime\": \"python3\", \"handler\": \"h.main\", \"code\": \".\", ";
        Files.writeString(manifest, base + "\"memoryMb\": 512.0}");
        assertThat(FunctionSpec.readManifest(manifest).memoryMb()).contains(512);
        for (String memory : List.of("512.5", "\"512\"")) {
            Files.writeString(manifest, base + "\"memoryMb\": " + memory + "}");
            assertThatThrownBy(() -> FunctionSpec.readManifest(manifest))
                    .hasMessageContaining("\"memoryMb\" must be a whole number, got " + memory);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Unzips with the zip file system, the same reader the server can use to restore modes. */
    private static Path unzip(byte[] zip, Path target) throws IOException {
        Path zipFile = Files.write(target.resolveSibling("code.zip"), zip);
        try (FileSystem fs = FileSystems.newFileSystem(URI.create("jar:" + zipFile.toUri()),
                Map.of("enablePosixFileAttributes", "true"))) {
            Path root = fs.getPath("/");
            for (Path entry : tree(root)) {
                Path source = root.resolve(entry.toString());
                Path destination = target.resolve(entry.toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(destination);
                } else {
                    Files.createDirectories(destination.getParent());
                    Files.copy(source, destination);
                    Files.setPosixFilePermissions(destination, Files.getPosixFilePermissions(source));
                }
            }
        }
        return target;
    }

    private static List<Path> tree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(path -> !path.equals(root)).map(path -> Path.of(root.relativize(path).toString()))
                    .sorted().toList();
        }
    }
}
