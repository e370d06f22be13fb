package io.chordfs.node.route;

import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.peer.ForwardRefusedException;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.peer.RingUnavailableException;
import io.chordfs.node.peer.StreamedBodies;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.CorruptObjectException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client's upload to a node that does not own the name, passed on to the owner while it
 * arrives, with nothing spooled here. With the client's block CRC32Cs, this node checks the body
 * as it passes and holds back the last piece until the check: bytes that do not match never
 * reach the owner whole (it sees the request cut short and stores nothing), and the client gets
 * 422 as from the owner itself; the owner checks them again, and its refusal is 502 (damaged on
 * the way). The owner answers with the SHA-256 of the body it received.
 */
final class Forward implements WriteStream {
    private static final long CALL_TIMEOUT_MS = 10 * 60_000;

    private final NodeRef owner;
    private final String name;
    private final long length;
    private final List<Long> expectedCrcs;
    private final BlockCrcs.Running crcs;
    private final StreamedBodies body;
    private final Future<PeerClient.Forwarded> call;
    private long received;
    private ByteBuffer heldBack;
    private String bodySha;

    Forward(PeerClient peers, ThreadPoolExecutor pool, NodeRef owner, String name, long length, List<Long> expectedCrcs)
            throws IOException {
        this.owner = owner;
        this.name = name;
        this.length = length;
        this.expectedCrcs = expectedCrcs;
        this.crcs = expectedCrcs != null ? new BlockCrcs.Running() : null;
        this.body = new StreamedBodies(name, 1, CALL_TIMEOUT_MS);
        try {
            this.call = pool.submit(() -> {
                try {
                    return peers.forward(owner, name, length, expectedCrcs, body.body(0));
                } finally {
                    body.left(0);
                }
            });
        } catch (RejectedExecutionException e) {
            throw new RingUnavailableException("too many uploads forwarded at once; try again");
        }
    }

    @Override
    public boolean write(ByteBuffer piece) throws IOException {
        received += piece.remaining();
        if (crcs == null) {
            return body.offer(piece);
        }
        crcs.update(piece.duplicate());
        if (received < length) {
            return body.offer(piece);
        }
        heldBack = ByteBuffer.allocate(piece.remaining()).put(piece.duplicate()).flip();
        return true;
    }

    @Override
    public void whenReady(Runnable ready) {
        body.whenReady(ready);
    }

    @Override
    public Committed finish() throws IOException {
        if (crcs != null && !crcs.crcs().equals(expectedCrcs)) {
            close();
            throw new CorruptObjectException("the content of '" + name + "' does not match the block CRC32Cs"
                    + " its sender computed; nothing stored");
        }
        if (heldBack != null) {
            body.offer(heldBack);
        }
        body.end();
        PeerClient.Forwarded done;
        try {
            done = call.get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof CorruptObjectException c) {
                throw new ForwardRefusedException("the owner " + owner + " refused the copy forwarded to it: "
                        + c.getMessage(), c);
            }
            if (RingRouter.isUnreachable(cause)) {
                throw RingRouter.unreachable(owner, cause);
            }
            throw cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
        } catch (TimeoutException e) {
            close();
            throw new RingUnavailableException("the owner " + owner + " did not answer within "
                    + CALL_TIMEOUT_MS / 1000 + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new RingUnavailableException("interrupted while forwarding " + name);
        }
        bodySha = done.bodySha256();
        return done.committed();
    }

    @Override
    public String bodySha256() {
        return bodySha;
    }

    @Override
    public void close() {
        body.close();
    }
}
