package io.chordfs.node.aws;

import java.io.IOException;
import java.net.InetSocketAddress;

/** How discovery puts this node into a ring. */
public interface RingEntry {
    /** Whether a Chord node answers at {@code peer} (a short {@code get_info}). */
    boolean answers(InetSocketAddress peer);

    /** Joins the ring {@code peer} belongs to; fails when it is in none or cannot be reached. */
    void join(InetSocketAddress peer) throws IOException;

    /** Starts a new ring with this node alone. */
    void create();
}
