package io.chordfs.node.http;

import io.chordfs.node.store.StagedWrite;
import io.chordfs.node.store.TooLargeException;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A request body going into a staged write as it arrives, straight from the network's buffers
 * (no copy through a byte array), at most {@code max} bytes; one more is a {@link TooLargeException}.
 */
final class StagedBody {
    private final StagedWrite w;
    private final long max;
    private long count;

    StagedBody(StagedWrite w, long max) {
        this.w = w;
        this.max = max;
    }

    void write(ByteBuf bytes) throws IOException {
        int n = bytes.readableBytes();
        if (n > max - count) {
            throw new TooLargeException("'" + w.name() + "' is larger than " + max + " bytes");
        }
        count += n;
        for (ByteBuffer b : bytes.nioBuffers()) {
            w.write(b);
        }
    }

    /** The whole body is in: finishes the staged write's content. */
    void finish() throws IOException {
        w.out().close();
    }
}
