package dev.aloft.server.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.aloft.server.sandbox.SandboxSettings.Isolation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real processes through the real sandbox. The data dir lives under target/, not /tmp, because the
 * private /tmp would hide a data dir below /tmp anyway and the test would prove nothing.
 */
class SandboxTest {

    private static final String PYTHON = "/usr/bin/python3";

    private final List<SandboxedProcess> launched = new ArrayList<>();
    private Path dataDir;
    private Path codeA;
    private Path codeB;
    private Sandbox sandbox;

    @BeforeEach
    void createDataDir() throws IOException {
        dataDir = Path.of("target", "sandbox-test-" + UUID.randomUUID()).toAbsolutePath();
        Files.createDirectories(dataDir);
        Files.writeString(dataDir.resolve("aloft.db"), "secret rows");
        codeA = codeDir("functions/a", "handler.py", "print('a')\n");
        codeB = codeDir("functions/b", "secret-b.txt", "b's code\n");
        sandbox = Sandboxes.detect(SandboxSettings.forDataDir(dataDir));
    }

    @AfterEach
    void cleanUp() {
        launched.forEach(SandboxedProcess::destroy);
        SandboxedChild.deleteTree(dataDir);
    }

    @Test
    void protectionsNameEveryProtectionOnce() {
        System.out.println(String.join("\n", sandbox.protections()));
        assertThat(sandbox.protections()).extracting(line -> line.substring(0, line.indexOf(':')))
                .containsExactly("memory limit", "process limit", "filesystem", "user");
    }

    @Test
    void codeIsReadableAtTaskRootButNotWritable() {
        assumeBubblewrap();
        assertThat(sandbox.taskRoot(codeA)).isEqualTo("/var/task");

        Result result = run(spec(codeA, "cat /var/task/handler.py; pwd; touch /var/task/new && echo WROTE"));

        assertThat(result.stdout()).contains("print('a')", "/var/task").doesNotContain("WROTE");
        assertThat(result.stderr()).contains("Read-only file system");
        assertThat(codeA.resolve("new")).doesNotExist();
    }

    @Test
    void fileInTmpIsInvisibleToAnotherInstance() throws Exception {
        assumeBubblewrap();
        SandboxedProcess writer = launch(spec(codeA, "echo mine > /tmp/mark && echo ready && exec sleep 30"));
        assertThat(firstLine(writer.process().getInputStream())).isEqualTo("ready");

        Result reader = run(spec(codeB, "cat /tmp/mark || echo ABSENT"));

        assertThat(reader.stdout()).isEqualTo("ABSENT\n");
    }

    @Test
    void dataDirAndOtherFunctionsCodeAreHidden() {
        assumeBubblewrap();
        String data = dataDir.toString();

        Result result = run(spec(codeA, "ls -A " + data + "; cat " + data + "/aloft.db " + codeB + "/secret-b.txt; ls /var/task"));

        assertThat(result.stdout()).isEqualTo("handler.py\n");
        assertThat(result.stderr()).contains("No such file or directory").doesNotContain("secret rows", "b's code");
    }

    @Test
    void runsAsUnprivilegedUserWhenRoot() throws IOException {
        assumeTrue(isRoot(), "only root can switch users");

        Result result = run(spec(codeA, "id -u; id -g; id -G; grep CapEff /proc/self/status"));

        assertThat(result.stdout()).isEqualTo("65534\n65534\n65534\nCapEff:\t0000000000000000\n");
    }

    @Test
    void writingBeyondTheTmpBoundFailsWithNoSpace() {
        assumeBubblewrap();
        LaunchSpec spec = spec(codeA, "dd if=/dev/zero of=/tmp/big bs=1M count=3 && echo FITS");
        spec = new LaunchSpec(spec.instanceId(), spec.command(), spec.environment(), spec.codeDir(), List.of(), 64, 2);

        Result result = run(spec);

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("No space left on device");
    }

    @Test
    void memoryLimitKillsAProcessThatAllocatesMore() {
        assumeMemoryLimit();

        Result result = run(python(codeA, "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); print('survived')", 64));

        assertThat(result.exitCode()).isEqualTo(137);
        assertThat(result.stdout()).doesNotContain("survived");
        assertThat(result.outOfMemory()).isTrue();
    }

    @Test
    void processUnderTheMemoryLimitIsNotOutOfMemory() {
        assumeMemoryLimit();

        Result result = run(python(codeA, "b = bytearray(16 * 1024 * 1024); print('fine')", 64));

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).isEqualTo("fine\n");
        assertThat(result.outOfMemory()).isFalse();
    }

    @Test
    void destroyKillsTheTreeAndRemovesTheCgroup() throws Exception {
        assumeMemoryLimit();
        SandboxedProcess instance = launch(spec(codeA, "sleep 60 & sleep 60 & echo started; wait"));
        assertThat(firstLine(instance.process().getInputStream())).isEqualTo("started");
        List<Path> cgroupDirs = ((SandboxedChild) instance).cgroup().orElseThrow().directories();
        assertThat(cgroupDirs).allMatch(Files::isDirectory);
        assertThat(Files.readAllLines(cgroupDirs.getFirst().resolve("cgroup.procs"))).hasSizeGreaterThanOrEqualTo(3);

        instance.destroy();
        instance.destroy();

        assertThat(instance.process().isAlive()).isFalse();
        assertThat(cgroupDirs).noneMatch(Files::exists);
    }

    @Test
    void disabledIsolationRunsWithExactlyTheGivenEnvironmentAndPrivateTmpdir() {
        var settings = new SandboxSettings(dataDir.resolve("sandbox"), List.of(dataDir), 65534, 65534, Isolation.DISABLED);
        sandbox = Sandboxes.detect(settings);
        assertThat(sandbox.taskRoot(codeA)).isEqualTo(codeA.toString());
        Path expectedTmp = dataDir.resolve("sandbox/inst-env/tmp");

        SandboxedProcess instance = launch(new LaunchSpec("inst-env", List.of("/usr/bin/env"),
                Map.of("GREETING", "hi"), codeA, List.of(), 64, 16));
        Result result = collect(instance);

        assertThat(result.stdout().lines()).containsExactlyInAnyOrder(
                "GREETING=hi", "PATH=/usr/local/bin:/usr/bin:/bin", "TMPDIR=" + expectedTmp);
        assertThat(expectedTmp).isDirectory();
        instance.destroy();
        assertThat(expectedTmp.getParent()).doesNotExist();
    }

    @Test
    void withoutBubblewrapCgroupsAndUserSwitchStillApply() throws IOException {
        assumeTrue(isRoot(), "only root can switch users");
        assumeTrue(Cgroups.detect().found().isPresent(), "needs a writable cgroup memory controller");
        // As the server keeps them: the data dir and the store private to root.
        setMode(dataDir, "rwx------");
        setMode(dataDir.resolve("aloft.db"), "rw-------");
        sandbox = Sandboxes.detect(SandboxSettings.forDataDir(dataDir), hidden -> Detection.missing("left out by this test"));
        String data = dataDir.toString();

        Result result = run(spec(codeA, "id -u; cat handler.py; echo x > $TMPDIR/f && cat $TMPDIR/f; "
                + "ls " + data + " || echo NO-LIST; cat " + data + "/aloft.db || echo NO-READ"));
        Result hog = run(python(codeA, "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])", 64));

        assertThat(sandbox.protections()).contains("user: uid 65534 gid 65534 (setpriv, no new privileges, no capabilities)");
        assertThat(result.stdout()).isEqualTo("65534\nprint('a')\nx\nNO-LIST\nNO-READ\n");
        assertThat(hog.exitCode()).isEqualTo(137);
        assertThat(hog.outOfMemory()).isTrue();
    }

    @Test
    void withoutBubblewrapEachInstanceHasAPidNamespaceOfItsOwn() throws IOException {
        assumeTrue(isRoot(), "only root can make pid namespaces without a user namespace");
        sandbox = Sandboxes.detect(SandboxSettings.forDataDir(dataDir), hidden -> Detection.missing("left out by this test"));
        assumeTrue(sandbox.protections().stream().anyMatch(line -> line.startsWith("processes: own pid namespace")),
                "needs unshare --pid: " + sandbox.protections());
        long serverPid = ProcessHandle.current().pid();

        // Another instance, running meanwhile, is as invisible as the server.
        SandboxedProcess other = launch(spec(codeB, "sleep 30"));
        try {
            Result result = run(spec(codeA, "[ -e /proc/" + serverPid + " ] && echo SEES-SERVER || echo NO-SERVER; "
                    + "[ -e /proc/" + other.process().pid() + " ] && echo SEES-OTHER || echo NO-OTHER; "
                    + "echo $$"));
            assertThat(result.stdout()).isEqualTo("NO-SERVER\nNO-OTHER\n2\n");
        } finally {
            other.destroy();
        }
        // The runtime is not the namespace's init, so it can signal itself; exit statuses pass through.
        assertThat(run(spec(codeA, "kill -TERM $$; sleep 5")).exitCode()).isEqualTo(143);
        assertThat(run(spec(codeA, "exit 7")).exitCode()).isEqualTo(7);
    }

    @Test
    void withoutBubblewrapFunctionsRunAsRootWhenTheirUserCannotReachTheDataDir() throws IOException {
        assumeTrue(isRoot(), "only root can switch users");
        Path closedParent = dataDir.getParent().resolve("closed-" + UUID.randomUUID());
        Path closedDataDir = Files.createDirectories(closedParent.resolve("data"));
        setMode(closedParent, "rwx------");
        try {
            Sandbox closed = Sandboxes.detect(SandboxSettings.forDataDir(closedDataDir), hidden -> Detection.missing("left out"));

            assertThat(closed.protections()).anySatisfy(line -> assertThat(line)
                    .startsWith("user: root! (uid 65534 cannot reach " + closedDataDir.resolve("sandbox"))
                    .endsWith("install bubblewrap, or put the data dir where uid 65534 can reach it)"));
        } finally {
            SandboxedChild.deleteTree(closedParent);
        }
    }

    @Test
    void rejectsInstanceIdsThatCouldLeaveTheCgroupDir() {
        var spec = new LaunchSpec("../escape", List.of("/bin/true"), Map.of(), codeA, List.of(), 64, 16);

        assertThatThrownBy(() -> sandbox.launch(spec))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("instance id '../escape' must match [a-z0-9-]+");
    }

    private void assumeBubblewrap() {
        assumeTrue(sandbox.protections().stream().anyMatch(line -> line.startsWith("filesystem: bubblewrap")),
                "needs working bubblewrap");
    }

    private void assumeMemoryLimit() {
        assumeTrue(sandbox.protections().stream().anyMatch(line -> line.startsWith("memory limit: cgroup")),
                "needs a writable cgroup memory controller");
    }

    private static boolean isRoot() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    }

    private Path codeDir(String relative, String file, String content) throws IOException {
        Path dir = Files.createDirectories(dataDir.resolve(relative));
        Files.writeString(dir.resolve(file), content);
        // The platform stores code world-readable so an unprivileged function user can read it.
        setMode(dir, "rwxr-xr-x");
        setMode(dir.resolve(file), "rw-r--r--");
        return dir;
    }

    private static void setMode(Path path, String mode) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static LaunchSpec spec(Path codeDir, String script) {
        return new LaunchSpec(newInstanceId(), List.of("/bin/sh", "-c", script), Map.of(), codeDir, List.of(), 64, 16);
    }

    private static LaunchSpec python(Path codeDir, String program, int memoryMb) {
        return new LaunchSpec(newInstanceId(), List.of(PYTHON, "-c", program), Map.of(), codeDir, List.of(), memoryMb, 16);
    }

    private static String newInstanceId() {
        return "test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private SandboxedProcess launch(LaunchSpec spec) {
        SandboxedProcess instance = sandbox.launch(spec);
        launched.add(instance);
        return instance;
    }

    /** Runs to completion and reads the verdict before destroy, as the instance scheduler will. */
    private Result run(LaunchSpec spec) {
        SandboxedProcess instance = launch(spec);
        Result result = collect(instance);
        instance.destroy();
        return result;
    }

    private static Result collect(SandboxedProcess instance) {
        Process process = instance.process();
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
        return new Result(process.exitValue(), stdout.join(), stderr.join(), instance.outOfMemory());
    }

    private static String firstLine(InputStream stream) throws Exception {
        var reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return reader.readLine();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).get(10, TimeUnit.SECONDS);
    }

    private static String readAll(InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private record Result(int exitCode, String stdout, String stderr, boolean outOfMemory) {
    }
}
