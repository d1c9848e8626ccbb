package dev.aloft.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every server setting, declared once: key, environment variable, default and doc. Values come
 * from explicit overrides (CLI flags), then the environment, then the default; a bad value fails
 * at startup with a message naming the setting.
 */
public record ServerSettings(
        String host,
        int port,
        Path dataDir,
        Duration keepAlive,
        Duration queueWait,
        Duration initTimeout,
        int tmpSizeMb,
        boolean sandboxRequired) {

    /** One declared setting. */
    public record Setting(String key, String envVar, String defaultValue, String doc) {}

    public static final List<Setting> SETTINGS = List.of(
            new Setting("host", "ALOFT_HOST", "127.0.0.1", "address the HTTP server binds to"),
            new Setting("port", "ALOFT_PORT", "8080", "HTTP port (0 picks a free one)"),
            new Setting("data", "ALOFT_DATA", ".aloft", "data directory: SQLite store, code, credential"),
            new Setting("keep-alive-seconds", "ALOFT_KEEP_ALIVE_SECONDS", "300",
                    "idle instances stop after this long (scale to zero)"),
            new Setting("queue-wait-ms", "ALOFT_QUEUE_WAIT_MS", "10000",
                    "how long a request waits for a free instance before 429"),
            new Setting("init-timeout-seconds", "ALOFT_INIT_TIMEOUT_SECONDS", "10",
                    "longest a new instance may take to become ready"),
            new Setting("tmp-size-mb", "ALOFT_TMP_SIZE_MB", "64", "size of each instance's private /tmp"),
            new Setting("sandbox-required", "ALOFT_SANDBOX_REQUIRED", "false",
                    "refuse to start when filesystem isolation is unavailable"));

    /**
     * Resolves every setting from overrides (by key), then the environment (by variable), then
     * the default.
     *
     * @throws AloftException naming the setting when a value is invalid
     */
    public static ServerSettings resolve(Map<String, String> overrides, Map<String, String> environment) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting setting : SETTINGS) {
            String value = overrides.getOrDefault(setting.key(),
                    environment.getOrDefault(setting.envVar(), setting.defaultValue()));
            values.put(setting.key(), value);
        }
        for (String key : overrides.keySet()) {
            if (!values.containsKey(key)) {
                throw AloftException.invalid("unknown setting '" + key + "'; known settings: "
                        + SETTINGS.stream().map(Setting::key).toList());
            }
        }
        return new ServerSettings(
                values.get("host"),
                parse(values, "port", Integer::parseInt, 0, 65535),
                Path.of(values.get("data")).toAbsolutePath().normalize(),
                Duration.ofSeconds(parse(values, "keep-alive-seconds", Integer::parseInt, 1, 86_400)),
                Duration.ofMillis(parse(values, "queue-wait-ms", Integer::parseInt, 0, 900_000)),
                Duration.ofSeconds(parse(values, "init-timeout-seconds", Integer::parseInt, 1, 600)),
                parse(values, "tmp-size-mb", Integer::parseInt, 1, 10_240),
                parseBoolean(values, "sandbox-required"));
    }

    /** Defaults everywhere but the data directory and port; what tests and embedders start from. */
    public static ServerSettings defaults(Path dataDir, int port) {
        return resolve(Map.of("data", dataDir.toString(), "port", Integer.toString(port)), Map.of());
    }

    public ServerSettings withKeepAlive(Duration keepAlive) {
        return new ServerSettings(host, port, dataDir, keepAlive, queueWait, initTimeout, tmpSizeMb, sandboxRequired);
    }

    public ServerSettings withQueueWait(Duration queueWait) {
        return new ServerSettings(host, port, dataDir, keepAlive, queueWait, initTimeout, tmpSizeMb, sandboxRequired);
    }

    private static int parse(Map<String, String> values, String key, Function<String, Integer> parser, int min, int max) {
        String raw = values.get(key);
        int value;
        try {
            value = parser.apply(raw.trim());
        } catch (NumberFormatException e) {
            throw AloftException.invalid("setting '" + key + "' must be a whole number, got '" + raw + "'");
        }
        if (value < min || value > max) {
            throw AloftException.invalid("setting '" + key + "' must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private static boolean parseBoolean(Map<String, String> values, String key) {
        String raw = values.get(key).trim();
        if (!raw.equals("true") && !raw.equals("false")) {
            throw AloftException.invalid("setting '" + key + "' must be true or false, got '" + raw + "'");
        }
        return Boolean.parseBoolean(raw);
    }
}
