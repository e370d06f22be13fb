package io.chordfs.core.chord;

import io.chordfs.core.ring.NodeRef;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Whether a set of live nodes forms one correctly ordered ring: the convergence test. */
public final class RingCheck {
    private RingCheck() {}

    /**
     * True when the given nodes, which must be all the ring's live members, each have exactly
     * the right predecessor and successors (the whole list, or with {@code wholeLists} false only
     * the immediate successor).
     */
    public static boolean consistent(Collection<ChordNode> members, boolean wholeLists) {
        List<ChordNode> ordered = new ArrayList<>(members);
        if (ordered.isEmpty() || !ordered.stream().allMatch(ChordNode::inRing)) {
            return false;
        }
        ordered.sort(Comparator.comparingLong(n -> n.self().id()));
        int n = ordered.size();
        for (int i = 0; i < n; i++) {
            ChordNode node = ordered.get(i);
            NodeRef expectedPred = ordered.get((i + n - 1) % n).self();
            if (n > 1 && !expectedPred.equals(node.predecessor())) {
                return false;
            }
            List<NodeRef> succs = node.successors();
            int length = n == 1 || !wholeLists ? 1 : node.config().successorListLength();
            if (wholeLists && succs.size() != length) {
                return false;
            }
            for (int k = 0; k < length; k++) {
                if (!succs.get(k).equals(ordered.get((i + 1 + k) % n).self())) {
                    return false;
                }
            }
        }
        return true;
    }
}
