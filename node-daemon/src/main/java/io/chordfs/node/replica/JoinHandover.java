package io.chordfs.node.replica;

import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.route.RingRouter;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When a node joins in front of this one, it now owns part of what this node holds: each such
 * object (and tombstone) is copied to it at once, so it can serve them. Whether this node keeps
 * its copy is the repair loop's call: it drops a copy only once the whole replica set has it.
 */
public final class JoinHandover {
    private static final System.Logger LOG = System.getLogger(JoinHandover.class.getName());

    private final ChordService chord;
    private final ObjectStore store;
    private final PeerClient peers;
    private final RingRouter router;

    public JoinHandover(ChordService chord, ObjectStore store, PeerClient peers, RingRouter router) {
        this.chord = chord;
        this.store = store;
        this.peers = peers;
        this.router = router;
    }

    /** Copies one object (or tombstone) to the new node; true once the new node confirmed it. */
    private boolean handOne(NodeRef newNode, ObjectMeta m) throws IOException {
        if (m.tombstone()) {
            Optional<ObjectMeta> confirmed = peers.delete(newNode, m.name(), m.version(), m.modifiedMillis());
            return confirmed.isPresent() && confirmed.get().version() >= m.version();
        }
        try (ObjectReader reader = store.read(m.name())) {
            return peers.copy(newNode, reader).version() >= reader.meta().version();
        }
    }

    /** Hands the new node what it now owns; the names handed over. */
    public List<String> handOver(NodeRef newNode) throws IOException {
        NodeRef self = chord.self();
        List<String> moved = new ArrayList<>();
        if (newNode.equals(self)) {
            return moved;
        }
        for (ObjectMeta m : store.list()) {
            // Keys in (newNode, self] stay; the others are checked against the ring before moving.
            if (Ring.inOpenClosed(m.key(), newNode.id(), self.id()) || !router.owner(m.key()).equals(newNode)) {
                continue;
            }
            try {
                if (handOne(newNode, m)) {
                    moved.add(m.name());
                }
            } catch (IOException e) {
                // It stays here; reads of it fall back to this node until it moves.
                LOG.log(System.Logger.Level.WARNING, "{0}: could not hand {1} to {2}: {3}", self, m.name(), newNode, e.getMessage());
            }
        }
        LOG.log(System.Logger.Level.INFO, "{0}: copied {1} objects to the new node {2}", self, moved.size(), newNode);
        return moved;
    }
}
