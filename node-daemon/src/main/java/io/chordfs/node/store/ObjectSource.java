package io.chordfs.node.store;

import java.io.IOException;
import java.io.OutputStream;

/** An object opened for reading, here or on another node. Close it when done. */
public interface ObjectSource extends AutoCloseable {
    ObjectMeta meta();

    /**
     * Copies bytes [offset, offset + length) to {@code out}. Bytes are verified against their
     * checksums before they are written; a mismatch throws
     * {@link CorruptObjectException} and nothing unverified is written.
     */
    void copyTo(OutputStream out, long offset, long length) throws IOException;

    @Override
    void close() throws IOException;
}
