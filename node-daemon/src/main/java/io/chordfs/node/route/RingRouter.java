package io.chordfs.node.route;

import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Places objects by the ring: a name belongs to successor(key(name)). Uploads that reach another
 * node are streamed to the owner; reads of names this node does not hold are proxied from the
 * owner, so a client may talk to any node.
 */
public final class RingRouter implements ObjectRouter {
    private static final long LOOKUP_TIMEOUT_MS = 10_000;
    private static final System.Logger LOG = System.getLogger(RingRouter.class.getName());

    private final ChordService chord;
    private final ObjectStore store;
    private final PeerClient peers;
    private final LocalRouter local;

    public RingRouter(ChordService chord, ObjectStore store, PeerClient peers) {
        this.chord = chord;
        this.store = store;
        this.peers = peers;
        this.local = new LocalRouter(store);
    }

    /** The node that owns {@code key} now, as the ring says. */
    public NodeRef owner(long key) throws RingUnavailableException {
        try {
            return chord.lookup(key).get(LOOKUP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new RingUnavailableException("the ring could not find the owner of key " + key + ": " + cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingUnavailableException("interrupted while looking up key " + key);
        }
    }

    @Override
    public ObjectMeta commit(StagedWrite staged) throws IOException {
        NodeRef owner = owner(Keys.key(staged.name()));
        if (owner.equals(chord.self())) {
            return local.commit(staged);
        }
        try (staged) {
            ObjectMeta meta = reachable(owner, () -> peers.put(owner, staged.name(), staged.file(), staged.size()));
            LOG.log(System.Logger.Level.INFO, "{0}: forwarded {1} ({2} bytes) to its owner {3}",
                    chord.self(), staged.name(), staged.size(), owner);
            return meta;
        }
    }

    @Override
    public Optional<ObjectSource> open(String name) throws IOException {
        Optional<ObjectSource> here = local.open(name);
        if (here.isPresent()) {
            return here;
        }
        NodeRef owner = owner(Keys.key(name));
        // A node that just joined may not have received its objects yet: its successor still has them.
        NodeRef holder = owner.equals(chord.self()) ? chord.node().successor() : owner;
        if (holder.equals(chord.self())) {
            return Optional.empty();
        }
        return reachable(holder, () -> peers.open(holder, name));
    }

    @Override
    public boolean delete(String name) throws IOException {
        NodeRef owner = owner(Keys.key(name));
        if (owner.equals(chord.self())) {
            return local.delete(name);
        }
        return reachable(owner, () -> peers.delete(owner, name, null, null)).isPresent();
    }

    private interface PeerCall<T> {
        T run() throws IOException;
    }

    /** A peer that cannot be reached makes the request retryable (503), not a server error. */
    private static <T> T reachable(NodeRef owner, PeerCall<T> call) throws IOException {
        try {
            return call.run();
        } catch (ConnectException | HttpTimeoutException e) {
            throw new RingUnavailableException("the owner " + owner + " did not answer: " + e.getMessage());
        }
    }
}
