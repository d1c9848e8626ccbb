package dev.aloft.server.invocations;

import dev.aloft.server.AloftException;

import java.time.Instant;
import java.util.Optional;

/**
 * A page of the ledger, newest first.
 *
 * @param before the {@code nextCursor} of the previous page
 */
public record LedgerQuery(Optional<String> functionName, Optional<InvocationStatus> status, Optional<Instant> since,
                          Optional<String> before, int limit) {

    public static final int MAX_LIMIT = 1000;

    public LedgerQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw AloftException.invalid("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        before.ifPresent(Cursor::parse);
    }

    /** A position in the newest-first order: received time, then id. */
    record Cursor(long receivedAtMs, String id) {
        static Cursor parse(String cursor) {
            int sep = cursor.indexOf('_');
            try {
                return new Cursor(Long.parseLong(cursor.substring(0, sep)), cursor.substring(sep + 1));
            } catch (RuntimeException e) {
                throw AloftException.invalid("cursor '" + cursor + "' is not one this API returned; pass nextCursor as is");
            }
        }

        static String of(InvocationRecord record) {
            return record.receivedAt().toEpochMilli() + "_" + record.id();
        }
    }
}
