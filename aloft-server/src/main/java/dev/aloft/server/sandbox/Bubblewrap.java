package dev.aloft.server.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A private mount namespace per instance: the host root read-only, the platform's data hidden,
 * the code read-only at {@link #TASK_ROOT} and a private, size-bounded /tmp.
 *
 * <p>The network namespace is shared on purpose: the instance reaches the Runtime API over loopback.
 *
 * @param varLayout arguments that rebuild /var on a tmpfs; needed because bwrap cannot create the
 *                  /var/task mount point inside the read-only host root
 */
record Bubblewrap(Path executable, String version, List<Path> hiddenPaths, List<String> varLayout) {

    static final String TASK_ROOT = "/var/task";
    private static final long BYTES_PER_MB = 1024L * 1024;

    Bubblewrap {
        hiddenPaths = List.copyOf(hiddenPaths);
        varLayout = List.copyOf(varLayout);
    }

    static Detection<Bubblewrap> detect(List<Path> hiddenPaths) {
        var executable = Probe.findExecutable("bwrap");
        if (executable.isEmpty()) {
            return Detection.missing("bubblewrap not found; install it (apt-get install bubblewrap)");
        }
        Path bwrap = executable.get();
        List<String> varLayout;
        try {
            varLayout = layOutVar();
        } catch (IOException e) {
            return Detection.missing("cannot list /var to lay out the sandbox: " + e.getMessage());
        }
        // Runs with every flag a launch uses (--size needs bubblewrap 0.8) so a failure shows here, once.
        var check = new Bubblewrap(bwrap, "", List.of(), varLayout);
        List<String> command = new ArrayList<>(check.arguments(Path.of("/"), List.of(), 1, Optional.empty()));
        command.add("/bin/true");
        Probe probe = Probe.run(command);
        if (!probe.succeeded()) {
            return Detection.missing(bwrap + " does not work here (" + probe.firstLine() + ")");
        }
        String version = Probe.run(List.of(bwrap.toString(), "--version")).firstLine();
        return Detection.of(new Bubblewrap(bwrap, version, hiddenPaths, varLayout));
    }

    /** The bwrap command line up to (including) "--"; the real argv follows it. */
    List<String> arguments(Path codeDir, List<Path> runtimeFiles, int tmpSizeMb, Optional<Path> outputDir) {
        List<String> args = new ArrayList<>(List.of(executable.toString(),
                "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--ro-bind", "/", "/"));
        args.addAll(varLayout);
        args.addAll(List.of(
                "--perms", "1777", "--size", Long.toString(tmpSizeMb * BYTES_PER_MB), "--tmpfs", "/tmp",
                "--proc", "/proc",
                "--dev", "/dev"));
        // After /var and /tmp are laid out, so a data dir below them is covered, not uncovered again.
        for (Path hidden : hiddenPaths) {
            if (Files.isDirectory(hidden)) {
                args.addAll(List.of("--tmpfs", hidden.toString()));
            } else if (Files.exists(hidden)) {
                args.addAll(List.of("--ro-bind", "/dev/null", hidden.toString()));
            }
        }
        // Bind sources resolve on the host, so code and runtime files under a hidden path still show.
        for (Path file : runtimeFiles) {
            args.addAll(traversableParents(file));
            args.addAll(List.of("--ro-bind", file.toString(), file.toString()));
        }
        // After the runtime files, so an output dir inside one of them is writable there.
        outputDir.ifPresent(dir -> {
            args.addAll(traversableParents(dir));
            args.addAll(List.of("--bind", dir.toString(), dir.toString()));
        });
        args.addAll(List.of("--ro-bind", codeDir.toString(), TASK_ROOT, "--chdir", TASK_ROOT, "--"));
        return args;
    }

    /**
     * A runtime file below the fresh /tmp or a hidden path (Aloft checked out under /tmp, say)
     * needs its parents made there; bwrap would make them 0700, which the function's unprivileged
     * user cannot enter.
     */
    private List<String> traversableParents(Path file) {
        List<Path> freshRoots = new ArrayList<>(hiddenPaths);
        freshRoots.add(Path.of("/tmp"));
        for (Path root : freshRoots) {
            if (file.startsWith(root) && !file.equals(root)) {
                List<String> args = new ArrayList<>();
                for (Path parent = root.resolve(root.relativize(file).getName(0)); !parent.equals(file);
                     parent = parent.resolve(file.getName(parent.getNameCount()))) {
                    args.addAll(List.of("--perms", "0755", "--dir", parent.toString()));
                }
                return args;
            }
        }
        return List.of();
    }

    private static List<String> layOutVar() throws IOException {
        List<String> args = new ArrayList<>(List.of("--perms", "0755", "--tmpfs", "/var"));
        try (Stream<Path> entries = Files.list(Path.of("/var"))) {
            for (Path entry : entries.sorted().toList()) {
                String name = entry.getFileName().toString();
                // The host's /var/tmp is shared by every user: a function gets none, as on Lambda.
                if (name.equals("tmp") || entry.toString().equals(TASK_ROOT)) {
                    continue;
                }
                if (Files.isSymbolicLink(entry)) {
                    args.addAll(List.of("--symlink", Files.readSymbolicLink(entry).toString(), entry.toString()));
                } else {
                    args.addAll(List.of("--ro-bind", entry.toString(), entry.toString()));
                }
            }
        }
        return args;
    }
}
