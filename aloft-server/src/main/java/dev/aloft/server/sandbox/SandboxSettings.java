package dev.aloft.server.sandbox;

import dev.aloft.server.AloftException;
import java.nio.file.Path;
import java.util.List;

/**
 * How the sandbox fences function instances in.
 *
 * @param stateDir     host directory for per-instance scratch dirs, e.g. {@code <data>/sandbox}
 * @param hiddenPaths  host paths no function may see: the platform's data directory holds the
 *                     database, credentials and every function's code
 * @param functionUid  uid functions run as when the server runs as root
 * @param functionGid  gid functions run as when the server runs as root
 * @param isolation    whether missing protections are fatal, tolerated, or not even attempted
 */
public record SandboxSettings(
        Path stateDir, List<Path> hiddenPaths, int functionUid, int functionGid, Isolation isolation) {

    /** The "nobody" user and group of Debian and most other distributions. */
    public static final int NOBODY = 65534;

    public SandboxSettings {
        stateDir = stateDir.toAbsolutePath().normalize();
        hiddenPaths = hiddenPaths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        if (functionUid < 0 || functionGid < 0) {
            throw AloftException.invalid("function uid and gid must be >= 0, got %d:%d (the default is %d:%d)"
                    .formatted(functionUid, functionGid, NOBODY, NOBODY));
        }
    }

    /** The platform's defaults: scratch dirs in {@code <dataDir>/sandbox}, the data dir hidden, nobody. */
    public static SandboxSettings forDataDir(Path dataDir) {
        return new SandboxSettings(dataDir.resolve("sandbox"), List.of(dataDir), NOBODY, NOBODY, Isolation.BEST_EFFORT);
    }

    /** What to do about protections the host cannot offer. */
    public enum Isolation {
        /** Refuse to start unless every protection is active (production). */
        REQUIRED,
        /** Use what the host offers and report the rest in {@link Sandbox#protections()}. */
        BEST_EFFORT,
        /** Plain child processes with a private TMPDIR (development on hosts without root or cgroups). */
        DISABLED
    }
}
