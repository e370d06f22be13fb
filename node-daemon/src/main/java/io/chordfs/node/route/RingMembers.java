package io.chordfs.node.route;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.peer.RingUnavailableException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * The other members of this node's ring, in successor order, walked with successor lists: this
 * node's own list, then the list of the farthest entry that answers {@code chordfs_successor_list},
 * and so on until a list names this node again. Each call yields up to r (5) members, so a ring of
 * N nodes costs about N / r calls, one after another. A member that does not answer costs one call
 * timeout, and the walk goes on from the entry before it, whose list reaches past it. A node that
 * serves only the RPC table (a C++ reference node) is stepped over the same way.
 */
final class RingMembers implements RingListing.Members {
    /** Bounds a walk through a ring whose lists never lead back here. */
    static final int MAX_MEMBERS = 1_000;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration WALK_TIMEOUT = Duration.ofSeconds(5);
    private static final System.Logger LOG = System.getLogger(RingMembers.class.getName());

    private final ChordService chord;

    RingMembers(ChordService chord) {
        this.chord = chord;
    }

    @Override
    public RingListing.Walk walk() throws RingUnavailableException {
        NodeRef self = chord.self();
        if (!chord.node().inRing()) {
            throw new RingUnavailableException(self + " is not in a ring yet; try another node or again shortly");
        }
        long deadline = System.nanoTime() + WALK_TIMEOUT.toNanos();
        List<NodeRef> peers = new ArrayList<>();
        Set<NodeRef> seen = new HashSet<>(Set.of(self));
        List<NodeRef> unreachable = new ArrayList<>();
        List<NodeRef> list = chord.node().successors();
        while (true) {
            boolean grew = false;
            for (NodeRef n : list) {
                if (n.equals(self)) {
                    return new RingListing.Walk(peers, unreachable, true);
                }
                if (!n.isNone() && seen.add(n)) {
                    peers.add(n);
                    grew = true;
                }
            }
            // No new member and not back here: the lists go round a loop that misses this node.
            if (!grew || peers.size() >= MAX_MEMBERS) {
                return new RingListing.Walk(peers, unreachable, false);
            }
            list = next(self, list, unreachable, deadline);
            if (list == null) {
                return new RingListing.Walk(peers, unreachable, false);
            }
        }
    }

    /** The successor list of the farthest entry of {@code list} that answers; null when none does in time. */
    private List<NodeRef> next(NodeRef self, List<NodeRef> list, List<NodeRef> unreachable, long deadline) {
        for (int i = list.size() - 1; i >= 0; i--) {
            NodeRef n = list.get(i);
            if (n.isNone() || n.equals(self) || unreachable.contains(n)) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            Duration timeout = Duration.ofNanos(Math.min(left, CALL_TIMEOUT.toNanos()));
            try {
                return Wire.parseNodes(ChordNode.SUCCESSOR_LIST,
                        chord.client().call(n.address(), ChordNode.SUCCESSOR_LIST, List.of(), timeout).get());
            } catch (ExecutionException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                LOG.log(System.Logger.Level.INFO, "{0}: listing the ring, {1} did not give its successors: {2}",
                        self, n, cause.toString());
                unreachable.add(n);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
