package io.chordfs.node.route;

import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.peer.ForwardRefusedException;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.peer.RingUnavailableException;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Places objects by the ring: a name belongs to successor(key(name)), its owner, and is kept on
 * the first R distinct nodes from there, its replica set. Writes that reach another node are
 * streamed to the owner, which replicates them; reads are served by this node when it holds a
 * good copy, else by the owner, else by the rest of the replica set, so a client may talk to
 * any node and a dead or damaged copy does not fail a read.
 */
public final class RingRouter implements ObjectRouter, AutoCloseable {
    private static final long LOOKUP_TIMEOUT_MS = 10_000;
    /** Objects up to the client's default chunk size are verified whole before they are served. */
    private static final long VERIFY_WHOLE_BYTES = 8L << 20;
    private static final int MAX_FORWARDS = 64;
    private static final System.Logger LOG = System.getLogger(RingRouter.class.getName());

    private final ChordService chord;
    private final ObjectStore store;
    private final PeerClient peers;
    private final OwnerWrites ownerWrites;
    private final int replicas;
    private volatile Runnable onDamage = () -> { };
    /** The PUTs of uploads passed on to their owners while they arrive: each holds its thread for the whole upload. */
    private final ThreadPoolExecutor forwards;

    public RingRouter(ChordService chord, ObjectStore store, PeerClient peers, OwnerWrites ownerWrites,
                      int replicas) {
        this.chord = chord;
        this.store = store;
        this.peers = peers;
        this.ownerWrites = ownerWrites;
        this.replicas = replicas;
        this.forwards = new ThreadPoolExecutor(MAX_FORWARDS, MAX_FORWARDS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_FORWARDS), r -> {
                    Thread t = new Thread(r, "forward-" + chord.self().ip());
                    t.setDaemon(true);
                    return t;
                });
        forwards.allowCoreThreadTimeOut(true);
    }

    /** Cuts the uploads being passed on (their owners see them cut short and keep nothing). */
    @Override
    public void close() {
        forwards.shutdownNow();
    }

    /** Runs when a read finds a local copy damaged, so the repair loop replaces it soon. */
    public void onDamage(Runnable action) {
        onDamage = action;
    }

    /** The node that owns {@code key} now, as the ring says. */
    public NodeRef owner(long key) throws RingUnavailableException {
        if (!chord.node().inRing()) {
            // A node still joining (or leaving) would take itself for the owner of everything.
            throw new RingUnavailableException(chord.self() + " is not in a ring yet; try another node or again shortly");
        }
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

    /** The replica set of {@code key}: its owner and the next distinct nodes, R in all at most. */
    public List<NodeRef> replicaSet(long key) throws RingUnavailableException {
        return replicaSetFrom(owner(key));
    }

    /** The replica set of the keys {@code owner} owns, for a caller that has just looked the owner up. */
    public List<NodeRef> replicaSetFrom(NodeRef owner) throws RingUnavailableException {
        List<NodeRef> set = new ArrayList<>(replicas);
        NodeRef at = owner;
        while (set.size() < replicas && !set.contains(at)) {
            set.add(at);
            at = owner(Ring.add(at.id(), 1));
        }
        return set;
    }

    @Override
    public Committed commit(StagedWrite staged) throws IOException {
        NodeRef owner = owner(ObjectNames.placementKey(staged.name()));
        if (owner.equals(chord.self())) {
            return ownerWrites.write(staged);
        }
        try (staged) {
            String sha = staged.sha256();
            Committed stored;
            try {
                stored = reachable(owner, () -> peers.put(owner, staged.name(), staged.file(), staged.size(), sha));
            } catch (CorruptObjectException e) {
                throw new ForwardRefusedException("the owner " + owner + " refused the copy forwarded to it: "
                        + e.getMessage(), e);
            }
            LOG.log(System.Logger.Level.DEBUG, "{0}: forwarded {1} ({2} bytes) to its owner {3}",
                    chord.self(), staged.name(), staged.size(), owner);
            return stored;
        }
    }

    /** As the owner, staged here and replicated while the body arrives; else passed on to the owner as it arrives. */
    @Override
    public WriteStream begin(String name, long length, List<Long> expectedCrcs, Stage local) throws IOException {
        NodeRef owner = owner(ObjectNames.placementKey(name));
        if (!owner.equals(chord.self())) {
            return new Forward(peers, forwards, owner, name, length, expectedCrcs);
        }
        StagedWrite staged = local.open();
        try {
            return ownerWrites.begin(staged, length);
        } catch (IOException | RuntimeException e) {
            staged.close();
            throw e;
        }
    }

    @Override
    public Optional<ObjectSource> open(String name) throws IOException {
        try {
            return Optional.of(verifiedLocal(name));
        } catch (NoSuchFileException notHere) {
            // Absent or deleted here: the replica set decides.
        } catch (CorruptObjectException damaged) {
            // Read repair: serve from another replica now, replace this copy soon.
            onDamage.run();
        }
        NodeRef owner = owner(ObjectNames.placementKey(name));
        Optional<ObjectSource> found = openAt(owner, name);
        if (found.isPresent()) {
            return found;
        }
        for (NodeRef holder : replicaSetFrom(owner)) {
            if (!holder.equals(owner)) {
                found = openAt(holder, name);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The local copy, checked whole first when it is small (a chunk), so damage sends the read to
     * another replica instead of cutting the response; larger copies are checked block by block
     * as they stream.
     */
    private ObjectReader verifiedLocal(String name) throws IOException {
        if (store.isCorrupt(name)) {
            throw new CorruptObjectException("the local copy of " + name + " is known to be damaged");
        }
        ObjectReader reader = store.read(name);
        if (reader.meta().size() <= VERIFY_WHOLE_BYTES) {
            try {
                reader.verifyBlocks();
            } catch (IOException e) {
                reader.close();
                throw e;
            }
        }
        return reader;
    }

    private Optional<ObjectSource> openAt(NodeRef holder, String name) {
        if (holder.equals(chord.self())) {
            return Optional.empty();
        }
        try {
            return peers.open(holder, name);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.INFO, "{0}: {1} could not serve {2}: {3}", chord.self(), holder, name, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public boolean delete(String name) throws IOException {
        NodeRef owner = owner(ObjectNames.placementKey(name));
        if (owner.equals(chord.self())) {
            return ownerWrites.delete(name).isPresent();
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
        } catch (HttpTimeoutException | java.net.SocketException | java.io.EOFException e) {
            throw unreachable(owner, e);
        }
    }

    /**
     * Whether {@code e} says the owner was refused, silent, or gone mid-exchange (a restarted owner
     * behind a kept-alive connection ends it with "Unexpected end of file"): the client may retry,
     * so 503, not 500.
     */
    static boolean isUnreachable(Throwable e) {
        return e instanceof HttpTimeoutException || e instanceof java.net.SocketException || e instanceof java.io.EOFException;
    }

    static RingUnavailableException unreachable(NodeRef owner, Throwable e) {
        return new RingUnavailableException("the owner " + owner + " did not answer: " + e.getMessage());
    }
}
