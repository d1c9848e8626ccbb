package dev.aloft.server.cli;

import dev.aloft.server.AloftException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the server is and how to prove we may use it; mixed into every command that calls the API. */
final class ConnectionOptions {

    static final String TOKEN_FILE = "admin-token";

    @Option(names = "--url", paramLabel = "URL",
            description = "server address (default: $ALOFT_URL, else http://127.0.0.1:$ALOFT_PORT, port 8080 if unset)")
    private Optional<URI> url;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "data directory of the server, where its admin-token is read when $ALOFT_TOKEN is unset"
                    + " (default: $ALOFT_DATA, else .aloft)")
    private Optional<Path> dataDir;

    ControlClient client(Map<String, String> environment) {
        return new ControlClient(url.orElseGet(() -> defaultUrl(environment)), token(dataDir, environment));
    }

    static URI defaultUrl(Map<String, String> environment) {
        String configured = environment.get("ALOFT_URL");
        if (configured != null && !configured.isBlank()) {
            return URI.create(configured.strip());
        }
        return URI.create("http://127.0.0.1:" + environment.getOrDefault("ALOFT_PORT", "8080").strip());
    }

    static Path defaultDataDir(Map<String, String> environment) {
        return Path.of(environment.getOrDefault("ALOFT_DATA", ".aloft")).toAbsolutePath().normalize();
    }

    /**
     * The admin token: {@code $ALOFT_TOKEN}, else the file the server wrote at first start. There is
     * deliberately no {@code --token} flag: a token on the command line shows up in {@code ps}.
     */
    static String token(Optional<Path> dataDir, Map<String, String> environment) {
        String fromEnvironment = environment.get("ALOFT_TOKEN");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        Path file = dataDir.map(dir -> dir.toAbsolutePath().normalize())
                .orElseGet(() -> defaultDataDir(environment))
                .resolve(TOKEN_FILE);
        if (!Files.isRegularFile(file)) {
            throw AloftException.invalid("no admin token: ALOFT_TOKEN is not set and " + file
                    + " does not exist (run from the directory where './aloft up' ran, pass --data-dir,"
                    + " or set ALOFT_TOKEN)");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new CliException("cannot read the admin token from " + file + ": " + e.getMessage(), e);
        }
    }
}
