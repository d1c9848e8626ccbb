package dev.aloft.server.invocations;

import java.util.Locale;

/** What caused an invocation; recorded in the ledger. */
public enum Trigger {
    HTTP, INVOKE, ASYNC, SCHEDULE, REPLAY;

    private final String id = name().toLowerCase(Locale.ROOT);

    /** The ledger's name for it; asked for every record written. */
    public String id() {
        return id;
    }

    static Trigger fromId(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }
}
