package dev.aloft.server.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Drops from root to the functions' uid/gid right before the runtime starts, after the cgroup
 * join and the mounts that need root. setpriv rather than a bwrap user namespace: the process gets
 * a real host uid, so file modes on the code dir mean what they say.
 */
record UserSwitch(Path setpriv, int uid, int gid) {

    static Detection<UserSwitch> detect(int uid, int gid) {
        var setpriv = Probe.findExecutable("setpriv");
        if (setpriv.isEmpty()) {
            return Detection.missing("setpriv not found; install util-linux");
        }
        var candidate = new UserSwitch(setpriv.get(), uid, gid);
        List<String> command = new ArrayList<>(candidate.arguments());
        command.add("/bin/true");
        Probe probe = Probe.run(command);
        return probe.succeeded()
                ? Detection.of(candidate)
                : Detection.missing(setpriv.get() + " cannot switch to " + uid + ":" + gid + " (" + probe.firstLine() + ")");
    }

    /** The setpriv command line up to (including) "--"; the real argv follows it. */
    List<String> arguments() {
        // No new privileges and no capabilities: a setuid binary on the host cannot lift the function back up.
        return List.of(setpriv.toString(), "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
                "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--");
    }
}
