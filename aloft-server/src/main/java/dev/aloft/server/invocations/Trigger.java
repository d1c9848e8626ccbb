package dev.aloft.server.invocations;

import java.util.Locale;

/** What caused an invocation; recorded in the ledger. */
public enum Trigger {
    HTTP, INVOKE, ASYNC, SCHEDULE, REPLAY;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Trigger fromId(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }
}
