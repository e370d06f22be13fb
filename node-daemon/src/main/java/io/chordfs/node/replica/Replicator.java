package io.chordfs.node.replica;

import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.peer.PeerServer;
import io.chordfs.node.peer.QuorumException;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes as the owner of a key: the owner gives the write its version, stores it durably, copies
 * it in parallel to the rest of the replica set (the next R - 1 distinct nodes of its successor
 * list) and answers only when the write quorum of copies is durable.
 */
public final class Replicator implements PeerServer.OwnerWrites, AutoCloseable {
    private static final long PUSH_TIMEOUT_MS = 10 * 60_000;
    private static final System.Logger LOG = System.getLogger(Replicator.class.getName());

    private final ChordService chord;
    private final ObjectStore store;
    private final PeerClient peers;
    private final int replicas;
    private final int writeQuorum;
    private final ThreadPoolExecutor pool;
    private volatile boolean refusing;

    /**
     * @param writeQuorum copies that must be durable before a write is acknowledged; 0 means
     *                    every live member of the replica set (at least 2 once the ring has 2 nodes)
     */
    public Replicator(ChordService chord, ObjectStore store, PeerClient peers, int replicas, int writeQuorum) {
        this.chord = chord;
        this.store = store;
        this.peers = peers;
        this.replicas = replicas;
        this.writeQuorum = writeQuorum;
        this.pool = new ThreadPoolExecutor(8, 8, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "replicate-" + chord.self().ip());
            t.setDaemon(true);
            return t;
        });
    }

    public int replicas() {
        return replicas;
    }

    /** The rest of this node's replica set: its first R - 1 distinct successors. */
    public List<NodeRef> targets() {
        return successors(replicas - 1);
    }

    /** The first {@code n} distinct nodes of the successor list, this node left out. */
    public List<NodeRef> successors(int n) {
        Set<NodeRef> out = new LinkedHashSet<>();
        NodeRef self = chord.self();
        for (NodeRef s : chord.node().successors()) {
            if (out.size() == n) {
                break;
            }
            if (!s.equals(self)) {
                out.add(s);
            }
        }
        return new ArrayList<>(out);
    }

    /** From now on, writes as owner are refused (503): this node is leaving. */
    public void refuseWrites() {
        refusing = true;
    }

    @Override
    public ObjectMeta write(StagedWrite staged) throws IOException {
        refuseIfLeaving();
        ObjectMeta meta = staged.commit(store.nextVersion(), System.currentTimeMillis(), null);
        replicate(meta);
        return meta;
    }

    @Override
    public Optional<ObjectMeta> delete(String name) throws IOException {
        refuseIfLeaving();
        Optional<ObjectMeta> cur = store.meta(name);
        if (cur.isEmpty() || cur.get().tombstone()) {
            return Optional.empty();
        }
        ObjectMeta meta = store.delete(name, store.nextVersion(), System.currentTimeMillis());
        replicate(meta);
        return Optional.of(meta);
    }

    private void refuseIfLeaving() throws QuorumException {
        if (refusing) {
            throw new QuorumException(chord.self() + " is leaving the ring; try again in a moment");
        }
    }

    /** Copies {@code meta}'s version to every target at once; fails unless the quorum is reached. */
    private void replicate(ObjectMeta meta) throws IOException {
        List<NodeRef> targets = targets();
        int need = writeQuorum > 0 ? Math.min(writeQuorum, 1 + targets.size()) : 1 + targets.size();
        List<Future<ObjectMeta>> pushes = new ArrayList<>();
        for (NodeRef t : targets) {
            pushes.add(pool.submit(() -> push(t, meta)));
        }
        int durable = 1;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < pushes.size(); i++) {
            try {
                pushes.get(i).get(PUSH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                durable++;
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                failures.add(targets.get(i) + ": " + cause.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QuorumException("interrupted while replicating " + meta.name());
            }
        }
        if (durable < need) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} version {2} is durable on {3} of {4} required copies: {5}",
                    chord.self(), meta.name(), meta.version(), durable, need, failures);
            throw new QuorumException(meta.name() + " is durable on " + durable + " of the " + need
                    + " copies required: " + String.join("; ", failures));
        }
    }

    /** Makes {@code target} hold {@code meta}'s version (or a newer one) of its object. */
    public ObjectMeta push(NodeRef target, ObjectMeta meta) throws IOException {
        if (meta.tombstone()) {
            return peers.delete(target, meta.name(), meta.version(), meta.modifiedMillis())
                    .orElseThrow(() -> new IOException(target + " did not record the tombstone of " + meta.name()));
        }
        try (ObjectReader reader = store.read(meta.name())) {
            // A newer local version may have replaced meta's meanwhile: copying it is just as right.
            return peers.copy(target, reader);
        } catch (NoSuchFileException deletedMeanwhile) {
            ObjectMeta now = store.meta(meta.name()).orElseThrow(() -> deletedMeanwhile);
            return push(target, now);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
