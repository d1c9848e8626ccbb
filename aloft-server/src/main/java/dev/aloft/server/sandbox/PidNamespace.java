package dev.aloft.server.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Without bubblewrap: a pid namespace of its own per instance (util-linux {@code unshare}, with
 * /proc mounted for it), so an instance sees only its own processes in /proc, not another
 * function's environment (its Runtime API secret among it), command line or files. A shell is
 * the namespace's init: the runtime is not pid 1 (which the kernel shields from signals it sends
 * itself), and its exit status passes through. When the server kills the outermost process,
 * {@code --kill-child} takes the namespace, and everything in it, down.
 */
record PidNamespace(Path unshare) {

    private static final String INIT = "\"$@\" & wait $!";

    static Detection<PidNamespace> detect() {
        var unshare = Probe.findExecutable("unshare");
        if (unshare.isEmpty()) {
            return Detection.missing("unshare not found; install util-linux");
        }
        var candidate = new PidNamespace(unshare.get());
        List<String> command = new ArrayList<>(candidate.arguments());
        command.add("/bin/true");
        Probe probe = Probe.run(command);
        return probe.succeeded()
                ? Detection.of(candidate)
                : Detection.missing(unshare.get() + " cannot make a pid namespace (" + probe.firstLine() + ")");
    }

    /** The command line up to the init shell's name; the real argv follows it. */
    List<String> arguments() {
        return List.of(unshare.toString(), "--pid", "--fork", "--mount-proc", "--kill-child", "--",
                "/bin/sh", "-c", INIT, "aloft-init");
    }
}
