package dev.aloft.server.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Without bubblewrap, an instance running as the function user reaches its code and its TMPDIR at
 * their host paths inside the data directory, which the server keeps at 0700. This opens a passage:
 * the directories from the data dir down to the state dir become 0711 (enter, not list), so a
 * function gets to paths it is given but cannot look around; the files that hold secrets stay
 * owner-only (the database, the key and the token are 0600 themselves).
 */
final class DataDirPassage {

    private static final String ENTER_ONLY = "rwx--x--x";

    private DataDirPassage() {
    }

    /**
     * Opens the passage to {@code stateDir} through the hidden paths that contain it, then checks as
     * the function user that it can get there: a directory above the data dir (say {@code /root})
     * may still be closed to it.
     *
     * @return why the function user cannot reach the state dir, or empty when it can
     */
    static Optional<String> open(Path stateDir, List<Path> hiddenPaths, UserSwitch user) {
        try {
            for (Path dir = stateDir; dir != null && hiddenPaths.stream().anyMatch(dir::startsWith); dir = dir.getParent()) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(ENTER_ONLY));
            }
        } catch (IOException e) {
            return Optional.of("cannot open " + stateDir + " to uid " + user.uid() + ": " + e.getMessage());
        }
        List<String> command = new ArrayList<>(user.arguments());
        command.addAll(List.of("/bin/sh", "-c", "cd \"$1\"", "aloft-reach-probe", stateDir.toString()));
        Probe probe = Probe.run(command);
        return probe.succeeded() ? Optional.empty()
                : Optional.of("uid " + user.uid() + " cannot reach " + stateDir + " (" + probe.firstLine() + ")");
    }
}
