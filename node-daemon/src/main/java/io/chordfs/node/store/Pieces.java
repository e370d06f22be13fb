package io.chordfs.node.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * An object's bytes (or a range of them), pulled a piece at a time: each call fills the caller's
 * buffer with the next bytes, verified before they are handed out. Pulling, not pushing: whoever
 * sends the bytes asks for the next piece only when the last one has gone, so a slow reader holds
 * no thread in between. One caller at a time.
 */
public interface Pieces extends AutoCloseable {
    /**
     * Puts the next bytes into {@code into} (from its position, advancing it) and returns how many,
     * or -1 after the last; never 0. {@code into} must have room for a whole block
     * ({@link ObjectStore#BLOCK_SIZE}), or for all that is left of the range when that is less: a
     * block is checked whole before any of it is handed out (a source may need a block's worth of
     * scratch of its own when the room is less).
     * Blocks on the disk or a peer, never on the reader. A bad block is a {@link CorruptObjectException}.
     */
    int fill(ByteBuffer into) throws IOException;

    /** Bytes of a file: {@code count} of them from {@code position}. */
    record FileSpan(FileChannel file, long position, long count) {}

    /**
     * Where the bytes the last {@link #fill} handed out lie in the object's data file, which stays
     * as it is while these pieces are open (a committed version is never written again), so that
     * they can be sent from there without a copy; null when they lie in no such file. Whoever sends
     * them from there keeps these pieces open until they are sent.
     */
    default FileSpan lastSpan() {
        return null;
    }

    @Override
    default void close() throws IOException {
    }
}
