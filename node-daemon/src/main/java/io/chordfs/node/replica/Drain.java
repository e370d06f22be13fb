package io.chordfs.node.replica;

import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectStore;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The graceful leave: before a node leaves the ring, every object it holds is copied to its first
 * R distinct successors unless they already have it. For a key this node owns or replicates, the
 * node that replaces it in the replica set is among those successors, so every key keeps R
 * copies the whole time; a copy too many is dropped later by its holder's repair round.
 */
public final class Drain {
    private static final long PROGRESS_EVERY_MS = 5_000;
    private static final System.Logger LOG = System.getLogger(Drain.class.getName());

    private final ChordService chord;
    private final ObjectStore store;
    private final PeerClient peers;
    private final Replicator replicator;

    public Drain(ChordService chord, ObjectStore store, PeerClient peers, Replicator replicator) {
        this.chord = chord;
        this.store = store;
        this.peers = peers;
        this.replicator = replicator;
    }

    /** The nodes that take over: this node's first R successors, read before it leaves the ring. */
    public List<NodeRef> heirs() {
        return replicator.successors(replicator.replicas());
    }

    /**
     * Hands everything over to {@code heirs}, until done or {@code deadlineMillis}; returns the
     * objects not handed over.
     */
    public int run(List<NodeRef> heirs, long deadlineMillis) {
        NodeRef self = chord.self();
        List<ObjectMeta> all = store.list();
        LOG.log(System.Logger.Level.INFO, "{0}: leaving: handing {1} objects to {2}", self, all.size(), heirs);
        Map<NodeRef, Map<String, Long>> held = new HashMap<>();
        for (NodeRef heir : heirs) {
            held.put(heir, versionsOn(heir));
        }
        int left = 0;
        int done = 0;
        long nextReport = System.currentTimeMillis() + PROGRESS_EVERY_MS;
        for (ObjectMeta m : all) {
            boolean handed = true;
            for (NodeRef heir : heirs) {
                Long theirs = held.get(heir).get(m.name());
                if (System.currentTimeMillis() > deadlineMillis) {
                    handed = false;
                } else if (theirs == null || theirs < m.version()) {
                    try {
                        replicator.push(heir, m);
                    } catch (IOException | RuntimeException e) {
                        handed = false;
                        LOG.log(System.Logger.Level.WARNING, "{0}: could not hand {1} to {2}: {3}", self, m.name(), heir, e.getMessage());
                    }
                }
            }
            if (handed) {
                done++;
            } else {
                left++;
            }
            if (System.currentTimeMillis() > nextReport) {
                LOG.log(System.Logger.Level.INFO, "{0}: leaving: {1} of {2} objects handed over", self, done, all.size());
                nextReport = System.currentTimeMillis() + PROGRESS_EVERY_MS;
            }
        }
        LOG.log(System.Logger.Level.INFO, "{0}: leaving: {1} objects handed over, {2} not", self, done, left);
        return left;
    }

    private Map<String, Long> versionsOn(NodeRef heir) {
        Map<String, Long> versions = new HashMap<>();
        try {
            // (id, id] is the whole circle: everything the heir holds.
            for (ObjectMeta m : peers.list(heir, heir.id(), heir.id())) {
                versions.put(m.name(), m.version());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: cannot list {1}; sending everything: {2}", chord.self(), heir, e.getMessage());
        }
        return versions;
    }
}
