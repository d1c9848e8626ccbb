package dev.aloft.server.instances;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A pool's last init failure: for {@link #WINDOW} after it, calls to that revision get the same
 * failure at once instead of starting another instance that fails the same way in a loop.
 * Thread-safe.
 */
final class InitFailureBackoff {

    static final Duration WINDOW = Duration.ofSeconds(5);

    private record Failure(InvocationOutcome outcome, long revision, Instant at) {}

    private volatile Optional<Failure> last = Optional.empty();

    void failed(InvocationOutcome outcome, long revision, Instant at) {
        last = Optional.of(new Failure(outcome, revision, at));
    }

    /** The function changed: its next call tries again. */
    void forget() {
        last = Optional.empty();
    }

    /** The init failure of this revision if it happened within {@link #WINDOW} of {@code now}. */
    Optional<InvocationOutcome> recent(long revision, Instant now) {
        return last.filter(f -> f.revision() == revision && f.at().plus(WINDOW).isAfter(now)).map(Failure::outcome);
    }
}
