package io.chordfs.node.route;

import io.chordfs.node.store.Committed;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An upload on its way to where its name belongs while its body arrives (see
 * {@link ObjectRouter#begin}): pieces go in as they come, then {@link #finish} commits. When it
 * cannot take more for now (a replica or the disk is slower than the sender), {@link #write}
 * says so and the caller stops reading the sender until {@link #whenReady} calls back. Always
 * {@link #close} it: before a finish that throws away what was written, after it nothing.
 */
public interface WriteStream extends AutoCloseable {
    /** Takes all of {@code piece}'s remaining bytes; false when the caller should wait for {@link #whenReady}. */
    boolean write(ByteBuffer piece) throws IOException;

    /** Runs {@code ready} once more may be written: at once if it may now. */
    void whenReady(Runnable ready);

    /** The whole body is in: commits it, and returns what the commit did once the write quorum is durable. */
    Committed finish() throws IOException;

    /** After {@link #finish}: the SHA-256 of the body as received, whichever version the commit left stored. */
    String bodySha256() throws IOException;

    @Override
    void close();

    /** What commits a staged write whole. */
    @FunctionalInterface
    interface Commit {
        Committed commit(StagedWrite staged) throws IOException;
    }

    /** A stream into {@code staged}, which {@code commit} commits whole at the end (nothing to feed while it arrives). */
    static WriteStream staged(StagedWrite staged, Commit commit) {
        return new WriteStream() {
            @Override
            public boolean write(ByteBuffer piece) throws IOException {
                staged.write(piece);
                return true;
            }

            @Override
            public void whenReady(Runnable ready) {
                ready.run();
            }

            @Override
            public Committed finish() throws IOException {
                staged.out().close();
                return commit.commit(staged);
            }

            @Override
            public String bodySha256() throws IOException {
                return staged.sha256();
            }

            @Override
            public void close() {
                staged.close();
            }
        };
    }
}
