package dev.aloft.server.instances;

import java.util.HashSet;
import java.util.Set;

/**
 * A pool's start slots. A burst must not start one instance per waiting call: at most
 * {@code max} instances initialise at once for callers, and the other callers take whichever
 * instance frees up first, so only as many start as needed. A slot is taken when a start is
 * decided, held by the instance once it exists, and freed when it is ready, when its first call
 * ends (an init that failed), or when the start did not happen. Guarded by the node lock.
 */
final class StartSlots {

    private final int max;
    private int taken;
    /** When the last start under way ended (System.nanoTime); no start has ended yet: the distant past. */
    private long quietSince = Long.MIN_VALUE;
    /** The started instances holding a slot; the other taken slots belong to starts under way. */
    private final Set<Instance> holders = new HashSet<>();

    StartSlots(int max) {
        this.max = max;
    }

    boolean available() {
        return taken < max;
    }

    /** Slots taken: instances starting for callers, soon busy. */
    int taken() {
        return taken;
    }

    void take() {
        taken++;
    }

    /** The start did not happen (it failed, or the pool closed meanwhile): its slot is free. */
    void giveBack() {
        released();
    }

    /** The started instance holds its start's slot until it frees it. */
    void heldBy(Instance instance) {
        holders.add(instance);
    }

    /** Frees the slot {@code instance} holds; false when it holds none (freed already, or never held). */
    boolean free(Instance instance) {
        if (!holders.remove(instance)) {
            return false;
        }
        released();
        return true;
    }

    private void released() {
        taken--;
        if (taken == 0) {
            quietSince = System.nanoTime();
        }
    }

    /**
     * Since when (System.nanoTime) no start has been under way: {@link Long#MAX_VALUE} while one is.
     * A start's runtime boot competes for the cores with the pool's busy instances.
     */
    long quietSince() {
        return taken > 0 ? Long.MAX_VALUE : quietSince;
    }
}
