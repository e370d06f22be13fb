package io.chordfs.node.store;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's hybrid logical clock, which versions every write: {@code max(wall_ms << 16, last + 1)}.
 * It moves past every version the store holds and every clock value a peer sends
 * ({@code X-ChordFS-Clock} on each node-to-node message), so a node whose wall clock is behind
 * still orders its writes after what it has seen. The owner of a write also learns each replica's
 * version of the name before it picks the new one (see {@code Replicator}), so a version is never
 * issued at or below one a replica holds, whatever the wall clocks say.
 */
public final class VersionClock {
    /**
     * A peer's clock is believed up to a day ahead of ours: a bogus header cannot push every
     * version to the end of time. Versions of stored objects are always observed in full.
     */
    static final long MAX_PEER_LEAD_MS = 24L * 3600 * 1000;

    private final Clock wall;
    private final AtomicLong last = new AtomicLong();

    public VersionClock(Clock wall) {
        this.wall = wall;
    }

    /** This node's wall clock in milliseconds (modification times, ages, deadlines of data). */
    public long wallMillis() {
        return wall.millis();
    }

    /** A new version, larger than every version issued or observed here. */
    public long next() {
        long now = wall.millis() << 16;
        while (true) {
            long l = last.get();
            long n = Math.max(now, l + 1);
            if (last.compareAndSet(l, n)) {
                return n;
            }
        }
    }

    /** The clock's reading without advancing it: what a message to a peer carries. */
    public long now() {
        return Math.max(wall.millis() << 16, last.get());
    }

    /** Moves past {@code version}, a version stored here or by a replica. */
    public void observe(long version) {
        last.accumulateAndGet(version, Math::max);
    }

    /**
     * Moves past a peer's clock reading, unless it is more than {@link #MAX_PEER_LEAD_MS} ahead of
     * this node's wall clock. Returns whether it was taken.
     */
    public boolean observePeer(long reading) {
        if (reading < 0 || (reading >>> 16) > wall.millis() + MAX_PEER_LEAD_MS) {
            return false;
        }
        observe(reading);
        return true;
    }
}
