package dev.aloft.server.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Starts each instance as: cgroup-join wrapper, then bwrap (else a pid namespace of its own), then
 * setpriv, then the runtime; each layer present only when the host offers it. Each layer execs
 * the next or dies with it, so the {@link Process} the caller holds is the outermost one still
 * running and killing it takes the rest down.
 */
final class HostSandbox implements Sandbox {

    private static final Pattern INSTANCE_ID = Pattern.compile("[a-z0-9-]+");
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
    /**
     * Joins every cgroup given before "--", then execs the rest: the process is limited before the
     * runtime's first instruction, with no window for a fork to escape. Each write runs in a
     * subshell ($$ is still the shell's pid): a redirection in the shell itself points its stdout
     * at cgroup.procs for a moment, and the log pump, looking for the child's stdout pipe in /proc
     * just then, found none and could not tell when an answer's lines had been read.
     */
    private static final String JOIN_CGROUPS =
            "while [ \"$1\" != -- ]; do (echo $$ > \"$1\") || exit 125; shift; done; shift; exec \"$@\"";

    private final Path stateDir;
    private final Optional<Cgroups> cgroups;
    private final Optional<Bubblewrap> bubblewrap;
    private final Optional<PidNamespace> pidNamespace;
    private final Optional<UserSwitch> userSwitch;
    private final List<String> protections;

    HostSandbox(Path stateDir, Optional<Cgroups> cgroups, Optional<Bubblewrap> bubblewrap, Optional<PidNamespace> pidNamespace,
                Optional<UserSwitch> userSwitch, List<String> protections) {
        this.stateDir = stateDir;
        this.cgroups = cgroups;
        this.bubblewrap = bubblewrap;
        this.pidNamespace = pidNamespace;
        this.userSwitch = userSwitch;
        this.protections = List.copyOf(protections);
    }

    @Override
    public String taskRoot(Path codeDir) {
        return bubblewrap.isPresent() ? Bubblewrap.TASK_ROOT : codeDir.toAbsolutePath().toString();
    }

    @Override
    public List<String> protections() {
        return protections;
    }

    @Override
    public SandboxedProcess launch(LaunchSpec spec) {
        check(spec);
        Path codeDir = spec.codeDir().toAbsolutePath();
        Optional<Cgroups.InstanceCgroup> cgroup = cgroups.map(c -> c.create(spec.instanceId(), spec.memoryMb()));
        Optional<Path> scratchDir = Optional.empty();
        try {
            List<String> argv = new ArrayList<>();
            cgroup.ifPresent(c -> {
                argv.addAll(List.of("/bin/sh", "-c", JOIN_CGROUPS, "aloft-join-cgroup"));
                c.procsFiles().forEach(file -> argv.add(file.toString()));
                argv.add("--");
            });
            bubblewrap.ifPresent(b -> argv.addAll(b.arguments(codeDir, spec.runtimeFiles(), spec.tmpSizeMb(), spec.outputDir())));
            pidNamespace.ifPresent(n -> argv.addAll(n.arguments()));
            userSwitch.ifPresent(u -> argv.addAll(u.arguments()));
            argv.addAll(spec.command());

            if (spec.outputDir().isPresent()) {
                ownedByFunctionUser(spec.outputDir().get());
            }
            Map<String, String> environment = new HashMap<>(spec.environment());
            environment.putIfAbsent("PATH", DEFAULT_PATH);
            if (bubblewrap.isEmpty()) {
                scratchDir = Optional.of(stateDir.resolve(spec.instanceId()));
                environment.put("TMPDIR", privateTmp(scratchDir.get()).toString());
            }
            ProcessBuilder builder = new ProcessBuilder(argv)
                    .directory(codeDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().clear();
            builder.environment().putAll(environment);
            return new SandboxedChild(builder.start(), cgroup, scratchDir);
        } catch (IOException | SandboxException e) {
            cgroup.ifPresent(Cgroups.InstanceCgroup::remove);
            scratchDir.ifPresent(SandboxedChild::deleteTree);
            throw new SandboxException("could not start instance " + spec.instanceId() + " of " + codeDir + ": "
                    + e.getMessage(), e);
        }
    }

    private static void check(LaunchSpec spec) {
        if (!INSTANCE_ID.matcher(spec.instanceId()).matches()) {
            throw new SandboxException("instance id '" + spec.instanceId() + "' must match " + INSTANCE_ID
                    + ": it names a cgroup and a directory");
        }
        if (spec.command().isEmpty()) {
            throw new SandboxException("instance " + spec.instanceId() + " has an empty command");
        }
        if (spec.memoryMb() <= 0 || spec.tmpSizeMb() <= 0) {
            throw new SandboxException("instance " + spec.instanceId() + " needs positive memory and /tmp sizes, got "
                    + spec.memoryMb() + " MB and " + spec.tmpSizeMb() + " MB");
        }
        if (!Files.isDirectory(spec.codeDir())) {
            throw new SandboxException("code dir " + spec.codeDir() + " of instance " + spec.instanceId()
                    + " is not a directory");
        }
        for (Path file : spec.runtimeFiles()) {
            if (!Files.exists(file)) {
                throw new SandboxException("runtime file " + file + " of instance " + spec.instanceId() + " does not exist");
            }
        }
    }

    /** Without bwrap the instance shares the host /tmp; a TMPDIR of its own keeps well-behaved code apart. */
    private Path privateTmp(Path scratchDir) throws IOException {
        Path tmp = scratchDir.resolve("tmp");
        Files.createDirectories(tmp);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
        ownedByFunctionUser(tmp);
        return tmp;
    }

    /** A directory the process writes to must be the unprivileged user's, once the process runs as it. */
    private void ownedByFunctionUser(Path dir) throws IOException {
        if (userSwitch.isPresent()) {
            Files.setAttribute(dir, "unix:uid", userSwitch.get().uid());
            Files.setAttribute(dir, "unix:gid", userSwitch.get().gid());
        }
    }
}
