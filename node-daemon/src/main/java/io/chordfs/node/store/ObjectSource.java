package io.chordfs.node.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** An object opened for reading, here or on another node. Close it when done. */
public interface ObjectSource extends AutoCloseable {
    ObjectMeta meta();

    /**
     * Bytes [offset, offset + length) as {@link Pieces}, each verified against its checksums before
     * it is handed out. Valid while this source is open; one at a time.
     */
    Pieces pieces(long offset, long length) throws IOException;

    /**
     * {@link #pieces} that close this source when they are closed: for an answer streamed after
     * the call that opened the source has returned.
     */
    default Pieces piecesClosingSource(long offset, long length) throws IOException {
        ObjectSource source = this;
        Pieces pieces = pieces(offset, length);
        return new Pieces() {
            @Override
            public int fill(ByteBuffer into) throws IOException {
                return pieces.fill(into);
            }

            @Override
            public FileSpan lastSpan() {
                return pieces.lastSpan();
            }

            @Override
            public void close() throws IOException {
                try (source) {
                    pieces.close();
                }
            }
        };
    }

    /**
     * Copies bytes [offset, offset + length) to {@code out}. Bytes are verified against their
     * checksums before they are written; a mismatch throws
     * {@link CorruptObjectException} and nothing unverified is written.
     */
    default void copyTo(OutputStream out, long offset, long length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.max(1, Math.min(ObjectStore.BLOCK_SIZE, length)));
        try (Pieces p = pieces(offset, length)) {
            for (int n; (n = p.fill(buf.clear())) > 0; ) {
                out.write(buf.array(), 0, n);
            }
        }
    }

    @Override
    void close() throws IOException;
}
