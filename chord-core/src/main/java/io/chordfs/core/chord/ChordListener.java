package io.chordfs.core.chord;

import io.chordfs.core.ring.NodeRef;

import java.util.List;

/** What a host learns from its node. Called on the node's thread; must not block. */
public interface ChordListener {
    default void successorsChanged(List<NodeRef> successors) {}

    default void predecessorChanged(NodeRef predecessor) {}

    /** A peer asked this node to leave (the {@code kill} RPC); the node has left the ring. */
    default void killed() {}

    ChordListener NONE = new ChordListener() {};
}
