package io.chordfs.node.http;

import io.chordfs.node.route.WriteStream;
import io.chordfs.node.store.StagedWrite;
import io.chordfs.node.store.TooLargeException;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A request body going into a staged write or a {@code WriteStream} as it arrives, straight from
 * the network's buffers (no copy through a byte array), at most {@code max} bytes; one more is a
 * {@link TooLargeException}.
 */
final class StagedBody {
    /** Where the pieces go; false when the body should pause (see {@code WriteStream#write}). */
    @FunctionalInterface
    interface Target {
        boolean write(ByteBuffer piece) throws IOException;
    }

    private final String name;
    private final long max;
    private final Target target;
    private long count;

    StagedBody(String name, long max, Target target) {
        this.name = name;
        this.max = max;
        this.target = target;
    }

    /** Answers once the whole body went into the stream. */
    @FunctionalInterface
    interface Finish {
        void finish(WriteStream stream) throws Exception;
    }

    /**
     * Feeds {@code x}'s body (at most {@code max} bytes) into {@code stream} as it arrives, pausing
     * the body while the stream cannot take more; then {@code finish} answers. The stream is
     * closed either way.
     */
    static void stream(Exchange x, String name, long max, WriteStream stream, Finish finish) {
        StagedBody body = new StagedBody(name, max, stream::write);
        x.readBody(new Exchange.BodySink() {
            @Override
            public void data(ByteBuf bytes) throws IOException {
                if (!body.write(bytes)) {
                    x.pauseBody();
                    stream.whenReady(x::resumeBody);
                }
            }

            @Override
            public void end() throws Exception {
                try (stream) {
                    finish.finish(stream);
                }
            }

            @Override
            public void failed(Throwable cause) {
                stream.close();
            }
        });
    }

    /** Into {@code w}, which is never full. */
    static StagedBody into(StagedWrite w, long max) {
        return new StagedBody(w.name(), max, piece -> {
            w.write(piece);
            return true;
        });
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
}
