package io.chordfs.node.http;

import io.chordfs.node.route.WriteStream;
import io.chordfs.node.store.StagedWrite;
import io.chordfs.node.store.TooLargeException;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A request body going into a staged write (or a {@link WriteStream}) as it arrives, straight
 * from the network's buffers (no copy through a byte array), at most {@code max} bytes; one more
 * is a {@link TooLargeException}.
 */
final class StagedBody {
    /** Where the pieces go; false when the writer should pause (see {@link WriteStream#write}). */
    @FunctionalInterface
    interface Target {
        boolean write(ByteBuffer piece) throws IOException;
    }

    private final String name;
    private final long max;
    private final Target target;
    private final StagedWrite w;
    private long count;

    StagedBody(StagedWrite w, long max) {
        this(w, max, piece -> {
            w.write(piece);
            return true;
        });
    }

    /** Into {@code stream}, which owns {@code w}. */
    StagedBody(StagedWrite w, long max, WriteStream stream) {
        this(w, max, stream::write);
    }

    private StagedBody(StagedWrite w, long max, Target target) {
        this.name = w.name();
        this.w = w;
        this.max = max;
        this.target = target;
    }

    /** Writes {@code bytes}; false when the body should pause until its target is ready again. */
    boolean write(ByteBuf bytes) throws IOException {
        int n = bytes.readableBytes();
        if (n > max - count) {
            throw new TooLargeException("'" + name + "' is larger than " + max + " bytes");
        }
        count += n;
        boolean ready = true;
        for (ByteBuffer b : bytes.nioBuffers()) {
            ready &= target.write(b);
        }
        return ready;
    }

    /** The whole body is in: finishes the staged write's content. */
    void finish() throws IOException {
        w.out().close();
    }
}
