package io.chordfs.node.replica;

import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.route.RingRouter;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.RangeDigest;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps R copies of everything without being asked: on a period, and at once when the successor
 * list changes, this node
 * <ol>
 * <li>makes every member of its replica set hold the newest version of each key it owns
 *     (pushing what they lack, pulling what they have newer),</li>
 * <li>re-reads a slice of what it stores (the scrubber, at most {@link #SCRUB_BYTES_PER_ROUND} a
 *     round) and replaces corrupt copies from a good replica,</li>
 * <li>purges tombstones older than the tombstone time-to-live,</li>
 * <li>collects the chunk objects of abandoned uploads it owns ({@link Uploads#collect}), and</li>
 * <li>drops copies of keys whose replica set it has left, but only once every member of that set
 *     has confirmed a version at least as new.</li>
 * </ol>
 * Replicas compare the owned range by bucket digests and list only the buckets that differ.
 */
public final class RepairLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RepairLoop.class.getName());
    /** The scrubber's rate limit: with the default period, about 13 MB/s of re-reading. */
    static final long SCRUB_BYTES_PER_ROUND = 64L << 20;
    private static final int DIGEST_BUCKETS = 64;

    private final ChordService chord;
    private final ObjectStore store;
    private final PeerClient peers;
    private final Replicator replicator;
    private final RingRouter router;
    private final Uploads uploads;
    private final ScheduledThreadPoolExecutor timer;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final LongAdder pushedTotal = new LongAdder();
    private final LongAdder pulledTotal = new LongAdder();
    private final long tombstoneTtlMs;
    private int scrubCursor;

    public RepairLoop(ChordService chord, ObjectStore store, PeerClient peers, Replicator replicator, RingRouter router,
                      Uploads uploads, long periodMs, long tombstoneTtlMs) {
        this.uploads = uploads;
        this.tombstoneTtlMs = tombstoneTtlMs;
        this.chord = chord;
        this.store = store;
        this.peers = peers;
        this.replicator = replicator;
        this.router = router;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "repair-" + chord.self().ip());
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::roundSafely, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Asks for a round as soon as possible (rounds never overlap; requests coalesce). */
    /** Objects this node's repair has sent to replicas that lacked them, since it started. */
    public long pushed() {
        return pushedTotal.sum();
    }

    /** Objects this node's repair has fetched because it lacked them, since it started. */
    public long pulled() {
        return pulledTotal.sum();
    }

    public void trigger() {
        if (queued.compareAndSet(false, true)) {
            timer.execute(() -> {
                queued.set(false);
                roundSafely();
            });
        }
    }

    private void roundSafely() {
        try {
            round();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: repair round stopped early: {1}", chord.self(), e.toString());
        }
    }

    /** One pass over everything this node holds. */
    public void round() throws IOException {
        NodeRef self = chord.self();
        NodeRef pred = chord.node().predecessor();
        if (pred == null || !chord.node().inRing()) {
            return;
        }
        Map<String, ObjectMeta> owned = new HashMap<>();
        for (ObjectMeta m : store.list()) {
            if (Ring.inOpenClosed(m.key(), pred.id(), self.id())) {
                owned.put(m.name(), m);
            }
        }
        // The owned range's digest is the same for every replica: computed once a round.
        List<ObjectMeta> mine = List.copyOf(owned.values());
        List<String> ours = RangeDigest.of(mine, pred.id(), self.id(), DIGEST_BUCKETS);
        for (NodeRef target : replicator.targets()) {
            syncOwnedRange(target, pred, owned, mine, ours);
        }
        scrub();
        for (String name : store.corruptNames()) {
            replaceCorrupt(name);
        }
        purgeOldTombstones();
        uploads.collectNow();
        Map<NodeRef, List<NodeRef>> sets = new HashMap<>();
        for (ObjectMeta m : store.list()) {
            if (!Ring.inOpenClosed(m.key(), pred.id(), self.id())) {
                dropIfNotReplicatedHere(m, sets);
            }
        }
    }

    /** Verifies the next slice of stored objects; the store records what is corrupt. */
    private void scrub() {
        List<ObjectMeta> all = store.list();
        long budget = SCRUB_BYTES_PER_ROUND;
        for (int visited = 0; visited < all.size() && budget > 0; visited++) {
            ObjectMeta m = all.get(Math.floorMod(scrubCursor++, all.size()));
            if (m.tombstone() || store.isCorrupt(m.name())) {
                continue;
            }
            try (ObjectReader r = store.read(m.name())) {
                r.verify();
            } catch (CorruptObjectException e) {
                LOG.log(System.Logger.Level.WARNING, "{0}: scrubber found {1} corrupt: {2}", chord.self(), m.name(), e.getMessage());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: scrubber skipped {1}: {2}", chord.self(), m.name(), e.getMessage());
            }
            budget -= m.size();
        }
    }

    /**
     * A tombstone keeps a deleted name from coming back through a replica that missed the
     * delete; past the time-to-live every live replica has long had it, so it can go.
     */
    private void purgeOldTombstones() throws IOException {
        long cutoff = store.clock().wallMillis() - tombstoneTtlMs;
        for (ObjectMeta m : store.list()) {
            if (m.tombstone() && m.modifiedMillis() < cutoff && store.forget(m.name(), m.version())) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: purged the tombstone of {1}", chord.self(), m.name());
            }
        }
    }

    /**
     * Anti-entropy with one replica over the owned range: compare bucket digests, then list and
     * reconcile only the buckets that differ.
     */
    private void syncOwnedRange(NodeRef target, NodeRef pred, Map<String, ObjectMeta> owned, List<ObjectMeta> mine,
                                List<String> ours) {
        long from = pred.id();
        long to = chord.self().id();
        int pushed = 0;
        int pulled = 0;
        try {
            List<String> theirs = peers.digest(target, from, to, DIGEST_BUCKETS);
            for (int b = 0; b < DIGEST_BUCKETS; b++) {
                if (ours.get(b).equals(theirs.get(b))) {
                    continue;
                }
                long lo = RangeDigest.bucketStart(from, to, DIGEST_BUCKETS, b);
                long hi = b + 1 == DIGEST_BUCKETS ? to : RangeDigest.bucketStart(from, to, DIGEST_BUCKETS, b + 1);
                Map<String, ObjectMeta> remote = new HashMap<>();
                for (ObjectMeta r : peers.list(target, lo, hi)) {
                    remote.put(r.name(), r);
                }
                for (ObjectMeta m : mine) {
                    ObjectMeta r = remote.get(m.name());
                    if (Ring.inOpenClosed(m.key(), lo, hi) && (r == null || m.version() > r.version())) {
                        pushed += attempt(() -> replicator.push(target, m), "push " + m.name() + " to " + target);
                    }
                }
                for (ObjectMeta r : remote.values()) {
                    ObjectMeta m = owned.get(r.name());
                    if (m == null || r.version() > m.version()) {
                        pulled += attempt(() -> pull(target, r), "pull " + r.name() + " from " + target);
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.INFO, "{0}: cannot compare with {1}: {2}", chord.self(), target, e.getMessage());
            return;
        }
        pushedTotal.add(pushed);
        pulledTotal.add(pulled);
        if (pushed + pulled > 0) {
            LOG.log(System.Logger.Level.INFO, "{0}: repair with {1}: pushed {2}, pulled {3}", chord.self(), target, pushed, pulled);
        }
    }

    /** Copies {@code r}'s object (or tombstone) from {@code holder} into the local store. */
    private ObjectMeta pull(NodeRef holder, ObjectMeta r) throws IOException {
        if (r.tombstone()) {
            return store.delete(r.name(), r.version(), r.modifiedMillis());
        }
        Optional<ObjectSource> source = peers.open(holder, r.name());
        if (source.isEmpty()) {
            throw new IOException(holder + " no longer has " + r.name());
        }
        try (ObjectSource s = source.get(); StagedWrite w = store.stage(r.name())) {
            ObjectMeta m = s.meta();
            s.copyTo(w.out(), 0, m.size());
            return w.commit(m.version(), m.modifiedMillis(), m.sha256());
        }
    }

    private void replaceCorrupt(String name) {
        Optional<ObjectMeta> bad = store.meta(name);
        if (bad.isEmpty()) {
            return;
        }
        try {
            for (NodeRef holder : router.replicaSet(bad.get().key())) {
                if (!holder.equals(chord.self()) && attempt(() -> pull(holder, bad.get()), "repair " + name + " from " + holder) == 1) {
                    LOG.log(System.Logger.Level.INFO, "{0}: replaced the corrupt copy of {1} from {2}", chord.self(), name, holder);
                    return;
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.INFO, "{0}: cannot repair {1} yet: {2}", chord.self(), name, e.getMessage());
        }
    }

    private void dropIfNotReplicatedHere(ObjectMeta m, Map<NodeRef, List<NodeRef>> sets) throws IOException {
        NodeRef owner = router.owner(m.key());
        List<NodeRef> set = sets.get(owner);
        if (set == null) {
            set = router.replicaSetFrom(owner);
            sets.put(owner, set);
        }
        if (set.contains(chord.self())) {
            return;
        }
        for (NodeRef holder : set) {
            if (!confirmed(holder, m)) {
                // Hand it over, then insist on the holder's own listing: a node that is leaving
                // takes a copy but does not list it, so its copy never lets this one go.
                attempt(() -> replicator.push(holder, m), "hand " + m.name() + " to " + holder);
                if (!confirmed(holder, m)) {
                    return;
                }
            }
        }
        if (store.forget(m.name(), m.version())) {
            LOG.log(System.Logger.Level.INFO, "{0}: dropped {1}: its replica set {2} holds it", chord.self(), m.name(), set);
        }
    }

    /** True when {@code holder} has {@code m}'s version of its object or a newer one. */
    private boolean confirmed(NodeRef holder, ObjectMeta m) {
        try {
            for (ObjectMeta r : peers.list(holder, Ring.add(m.key(), Ring.MASK), m.key())) {
                if (r.name().equals(m.name())) {
                    return r.version() >= m.version();
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1} did not confirm {2}: {3}", chord.self(), holder, m.name(), e.getMessage());
        }
        return false;
    }

    private interface Step {
        ObjectMeta run() throws IOException;
    }

    /** Runs one transfer; 1 when it worked, 0 (logged) when it did not. */
    private int attempt(Step step, String what) {
        try {
            step.run();
            return 1;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "{0}: could not {1}: {2}", chord.self(), what, e.getMessage());
            return 0;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
