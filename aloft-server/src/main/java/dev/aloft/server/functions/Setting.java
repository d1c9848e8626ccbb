package dev.aloft.server.functions;

/**
 * A function setting a deploy can be refused for. A refusal ({@link InvalidSettingException})
 * names settings through {@link Names}, so each API words it with the fields its callers send.
 */
public enum Setting {
    CODE("zipBase64"),
    HANDLER("handler"),
    MEMORY("memoryMb"),
    TIMEOUT("timeoutSeconds"),
    ENVIRONMENT("environment"),
    CONCURRENCY("concurrency"),
    MIN_INSTANCES("minInstances"),
    RESERVED_CONCURRENCY("reservedConcurrency"),
    MAX_RETRY_ATTEMPTS("maxRetryAttempts"),
    MAX_EVENT_AGE("maxEventAgeSeconds");

    /** What an API calls each setting. */
    @FunctionalInterface
    public interface Names {
        String of(Setting setting);
    }

    /** The native API's names: its JSON fields. */
    public static final Names NATIVE = setting -> setting.nativeName;

    private final String nativeName;

    Setting(String nativeName) {
        this.nativeName = nativeName;
    }
}
