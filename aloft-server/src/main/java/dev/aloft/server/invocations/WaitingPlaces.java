package dev.aloft.server.invocations;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How many async events may wait for an instance at once: of one function at most half the
 * workers, and beyond each function's first, no more than leave a quarter of the workers free.
 * Every worker waits with its event, and workers waiting out the queue wait on a function at its
 * limit used to leave other functions' events without one; an event that finds no place waits in
 * the async queue instead, where waiting holds no worker.
 */
final class WaitingPlaces {

    private final int perFunction;
    private final int inAll;
    /** Guards the two counts below. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Integer> takenByFunction = new HashMap<>();
    private int taken;

    WaitingPlaces(int workers) {
        this.perFunction = Math.max(1, workers / 2);
        this.inAll = Math.max(1, workers - Math.max(1, workers / 4));
    }

    /** A place for an event of {@code function}, when one is free. */
    Optional<Place> tryTake(String function) {
        lock.lock();
        try {
            int ofFunction = takenByFunction.getOrDefault(function, 0);
            if (ofFunction >= perFunction || (ofFunction > 0 && taken >= inAll)) {
                return Optional.empty();
            }
            takenByFunction.put(function, ofFunction + 1);
            taken++;
            return Optional.of(new Place(function));
        } finally {
            lock.unlock();
        }
    }

    /** A taken place; given back once, however often {@link #giveBack} is called. */
    final class Place {
        private final String function;
        private boolean held = true;

        private Place(String function) {
            this.function = function;
        }

        void giveBack() {
            lock.lock();
            try {
                if (held) {
                    held = false;
                    taken--;
                    takenByFunction.computeIfPresent(function, (f, n) -> n > 1 ? n - 1 : null);
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
