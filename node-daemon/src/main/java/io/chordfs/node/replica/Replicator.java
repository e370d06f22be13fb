package io.chordfs.node.replica;

import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.peer.QuorumException;
import io.chordfs.node.peer.StreamedBodies;
import io.chordfs.core.net.HttpPut;
import io.chordfs.node.route.OwnerWrites;
import io.chordfs.node.route.WriteStream;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import io.chordfs.node.store.StoreFullException;
import io.chordfs.node.store.VersionClock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes as the owner of a key, in two phases so that the version is right whatever the wall
 * clocks say and a refused write leaves nothing behind:
 * <ol>
 * <li><b>prepare</b>: the bytes go to the rest of the replica set (the next R - 1 distinct nodes of
 *     the successor list) in parallel, while this node receives them ({@link #begin}) or, for an
 *     upload received whole, from its temp file ({@link #write}); each replica computes the block
 *     CRC32Cs as they arrive, holds them uncommitted and answers with its current version of the
 *     name. Too few prepared copies for the write quorum: every held copy is dropped and the
 *     client gets 507 (a replica is full) or 503, with nothing stored.</li>
 * <li><b>commit</b>: the version is picked only now, from this node's clock after it has moved past
 *     every replica's version, so it is above anything a replica holds, even when this node lost
 *     its disk or its wall clock is behind. It commits here, then on each prepared replica, which
 *     first checks its bytes against this node's digests of the content (422 and dropped if not); a copy
 *     counts as durable only if the replica answers with exactly this version and content (one that
 *     answers with another version holds a concurrent write, not this one). The write is
 *     acknowledged once the quorum is durable, else 503.</li>
 * </ol>
 * Deletes look up each replica's version first for the same reason, then write the tombstone.
 */
public final class Replicator implements OwnerWrites, AutoCloseable {
    private static final long CALL_TIMEOUT_MS = 10 * 60_000;
    private static final int MAX_STREAMS = 64;
    private static final System.Logger LOG = System.getLogger(Replicator.class.getName());
    private static final HexFormat HEX = HexFormat.of();

    private final ChordService chord;
    private final ObjectStore store;
    private final VersionClock clock;
    private final PeerClient peers;
    private final int replicas;
    private final int writeQuorum;
    private final ThreadPoolExecutor pool;
    /** The prepares of uploads fanned out while they arrive: each holds its thread for the whole upload. */
    private final ThreadPoolExecutor streams;
    private volatile boolean refusing;
    private volatile Uploads uploads;

    /**
     * @param writeQuorum copies that must be durable before a write is acknowledged; 0 means
     *                    every live member of the replica set (at least 2 once the ring has 2 nodes)
     */
    public Replicator(ChordService chord, ObjectStore store, PeerClient peers, int replicas, int writeQuorum) {
        this.chord = chord;
        this.store = store;
        this.clock = store.clock();
        this.peers = peers;
        this.replicas = replicas;
        this.writeQuorum = writeQuorum;
        this.pool = new ThreadPoolExecutor(8, 8, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "replicate-" + chord.self().ip());
            t.setDaemon(true);
            return t;
        });
        this.streams = new ThreadPoolExecutor(MAX_STREAMS, MAX_STREAMS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_STREAMS), r -> {
            Thread t = new Thread(r, "replicate-stream-" + chord.self().ip());
            t.setDaemon(true);
            return t;
        });
        streams.allowCoreThreadTimeOut(true);
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

    /** Checks writes and deletes against chunked files' uploads from now on (see {@link Uploads}). */
    public void checkWritesWith(Uploads u) {
        uploads = u;
    }

    /** From now on, writes as owner are refused (503): this node is leaving. */
    public void refuseWrites() {
        refusing = true;
    }

    private int quorum(int targets) {
        return writeQuorum > 0 ? Math.min(writeQuorum, 1 + targets) : 1 + targets;
    }

    /** Writes a staged upload received whole: its temp file goes to the replicas once it is in. */
    @Override
    public Committed write(StagedWrite staged) throws IOException {
        refuseIfLeaving();
        Uploads.Plan plan;
        try {
            staged.sha256(); // finishes the content, checking it against the sender's block CRCs if any
            plan = plan(staged);
        } catch (IOException | RuntimeException e) {
            staged.close();
            throw e;
        }
        if (plan.stored().isPresent()) {
            staged.close();
            return plan.stored().get();
        }
        String name = staged.name();
        long size = staged.size();
        Path file = staged.file();
        List<NodeRef> targets = targets();
        String tx = newTx();
        List<Future<Optional<ObjectMeta>>> prepares = new ArrayList<>();
        for (NodeRef t : targets) {
            prepares.add(submit(pool, () -> peers.prepare(t, name, tx, size, HttpPut.Body.of(file, size))));
        }
        return settle(staged, plan, tx, collect(targets, prepares));
    }

    /**
     * Writes an upload while it arrives: each piece goes to this node's staged copy and, at the
     * same time, to a prepare on each other member of the replica set (see {@link FanOut}); the
     * rest is as in {@link #write}.
     */
    @Override
    public WriteStream begin(StagedWrite staged, long length) throws IOException {
        refuseIfLeaving();
        return new FanOut(staged, length, targets(), newTx());
    }

    private Uploads.Plan plan(StagedWrite staged) throws IOException {
        Uploads u = uploads;
        return u != null ? u.beforeWrite(staged) : new Uploads.Plan(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * With the replicas' prepares in: picks the version, commits here, then on every prepared
     * replica with the digests of the content, and answers once the write quorum is durable.
     */
    private Committed settle(StagedWrite staged, Uploads.Plan plan, String tx, List<Result<Optional<ObjectMeta>>> prepares)
            throws IOException {
        String name = staged.name();
        String sha = staged.sha256();
        List<Long> crcs = staged.blockCrcs();
        int need = quorum(prepares.size());
        List<NodeRef> prepared = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        boolean full = false;
        boolean replicaLive = false;
        for (Result<Optional<ObjectMeta>> r : prepares) {
            if (r.failure() != null) {
                failures.add(r.target() + ": " + r.failure().getMessage());
                full |= r.failure() instanceof StoreFullException;
                continue;
            }
            prepared.add(r.target());
            if (r.value().isPresent()) {
                clock.observe(r.value().get().version());
                replicaLive |= !r.value().get().tombstone();
            }
        }
        if (1 + prepared.size() < need) {
            staged.close();
            abort(prepared, tx);
            String why = name + " could be prepared on " + (1 + prepared.size()) + " of the " + need
                    + " copies required; nothing was stored: " + String.join("; ", failures);
            LOG.log(System.Logger.Level.WARNING, "{0}: {1}", chord.self(), why);
            throw full ? new StoreFullException(why) : new QuorumException(why);
        }
        long version = clock.next();
        long modified = clock.wallMillis();
        ObjectMeta mine;
        try (staged) {
            mine = staged.commit(version, modified, null);
        } catch (IOException | RuntimeException e) {
            abort(prepared, tx);
            throw e;
        }
        if (mine.version() != version) {
            // A concurrent write of the name committed here after ours picked its version: ours is
            // overwritten everywhere it would land, as if it came first.
            abort(prepared, tx);
            return new Committed(mine, false);
        }
        List<Result<ObjectMeta>> commits = all(prepared,
                t -> peers.commitPrepared(t, name, tx, version, modified, sha, crcs));
        int durable = 1;
        for (Result<ObjectMeta> r : commits) {
            if (r.failure() != null) {
                failures.add(r.target() + ": " + r.failure().getMessage());
            } else if (r.value().version() == version && r.value().sha256().equals(sha)
                    || r.value().version() > version && supersededHere(r.value())) {
                durable++;
            } else {
                clock.observe(r.value().version());
                failures.add(r.target() + ": holds version " + r.value().version() + " (a concurrent write), not " + version);
            }
        }
        if (durable < need) {
            throw notDurable(name, version, durable, need, failures);
        }
        Uploads u = uploads;
        if (u != null && plan.previous().isPresent()) {
            u.replaced(plan.previous().get(), mine, plan.next());
        }
        return new Committed(mine, staged.created() && !replicaLive);
    }

    @Override
    public Optional<ObjectMeta> delete(String name) throws IOException {
        return delete(name, Long.MAX_VALUE);
    }

    /**
     * Deletes a chunk object this node owns, unless a client touched it after {@code idleSince}
     * (see {@link ObjectStore#touch}); returns what is stored then (a tombstone when deleted).
     */
    Optional<ObjectMeta> deleteIfIdle(String name, long idleSince) throws IOException {
        return delete(name, idleSince);
    }

    private Optional<ObjectMeta> delete(String name, long untouchedSince) throws IOException {
        refuseIfLeaving();
        Uploads u = uploads;
        Optional<Manifest> previous = Optional.empty();
        if (u != null) {
            if (store.meta(name).filter(m -> !m.tombstone()).isEmpty()) {
                u.refuseOverChunks(name, "delete"); // no object of its own here: the name means the chunk
            }
            previous = u.current(name);
        }
        List<NodeRef> targets = targets();
        int need = quorum(targets.size());
        List<String> failures = new ArrayList<>();
        Optional<ObjectMeta> local = store.meta(name);
        boolean live = local.isPresent() && !local.get().tombstone();
        int answered = 1;
        for (Result<Optional<ObjectMeta>> r : all(targets, t -> peers.meta(t, name))) {
            if (r.failure() != null) {
                failures.add(r.target() + ": " + r.failure().getMessage());
                continue;
            }
            answered++;
            if (r.value().isPresent()) {
                clock.observe(r.value().get().version());
                live |= !r.value().get().tombstone();
            }
        }
        if (!live) {
            if (answered < need) {
                throw new QuorumException("cannot tell whether " + name + " exists: " + String.join("; ", failures));
            }
            return Optional.empty();
        }
        long version = clock.next();
        long modified = clock.wallMillis();
        ObjectMeta tomb = store.delete(name, version, modified, untouchedSince);
        if (tomb.version() != version) {
            return Optional.of(tomb); // a concurrent write came after the delete, or a client touched it
        }
        int durable = 1;
        for (Result<Optional<ObjectMeta>> r : all(targets, t -> peers.delete(t, name, version, modified))) {
            if (r.failure() != null) {
                failures.add(r.target() + ": " + r.failure().getMessage());
            } else if (r.value().isPresent() && r.value().get().version() == version && r.value().get().tombstone()) {
                durable++;
            } else {
                r.value().ifPresent(m -> clock.observe(m.version()));
                failures.add(r.target() + ": did not record the tombstone at version " + version);
            }
        }
        if (durable < need) {
            throw notDurable(name, version, durable, need, failures);
        }
        if (previous.isPresent()) {
            u.replaced(previous.get(), tomb, Optional.empty());
        }
        return Optional.of(tomb);
    }

    /**
     * A replica that answers a commit with a newer version holds a write that came after ours
     * (every version it had at prepare time is below ours). When this node has committed that
     * version or a newer one too, the newer write came through this owner and overwrites ours in
     * order, as a later PUT would: our write is not reverted, so that copy counts. Otherwise the
     * newer version came from elsewhere (another node that takes itself for the owner), and the
     * copy does not count.
     */
    private boolean supersededHere(ObjectMeta replica) {
        Optional<ObjectMeta> local = store.meta(replica.name());
        return local.isPresent() && local.get().version() >= replica.version();
    }

    private QuorumException notDurable(String name, long version, int durable, int need, List<String> failures) {
        LOG.log(System.Logger.Level.WARNING, "{0}: {1} version {2} is durable on {3} of {4} required copies: {5}",
                chord.self(), name, Long.toString(version), durable, need, failures);
        return new QuorumException(name + " is durable on " + durable + " of the " + need
                + " copies required: " + String.join("; ", failures));
    }

    private void refuseIfLeaving() throws QuorumException {
        if (refusing) {
            throw new QuorumException(chord.self() + " is leaving the ring; try again in a moment");
        }
    }

    /**
     * Tells each replica to drop what it holds for {@code tx}, and waits, so a refused write has
     * left nothing when the client hears of it; a replica that does not answer expires it anyway.
     */
    private void abort(List<NodeRef> prepared, String tx) {
        try {
            PeerCall<Void> abort = t -> {
                peers.abortPrepared(t, tx);
                return null;
            };
            for (Result<Void> r : all(prepared, abort)) {
                if (r.failure() != null) {
                    LOG.log(System.Logger.Level.DEBUG, "{0}: abort of {1} on {2} failed (it expires): {3}",
                            chord.self(), tx, r.target(), r.failure().getMessage());
                }
            }
        } catch (QuorumException interrupted) {
            // the replicas expire what they hold
        }
    }

    private static String newTx() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return HEX.toHexDigits(r.nextLong()) + HEX.toHexDigits(r.nextLong());
    }

    private record Result<T>(NodeRef target, T value, Exception failure) {}

    private interface PeerCall<T> {
        T call(NodeRef target) throws IOException;
    }

    /** Runs {@code call} on every target at once and waits for each answer (or its failure). */
    private <T> List<Result<T>> all(List<NodeRef> targets, PeerCall<T> call) throws QuorumException {
        List<Future<T>> futures = new ArrayList<>();
        for (NodeRef t : targets) {
            futures.add(submit(pool, () -> call.call(t)));
        }
        return collect(targets, futures);
    }

    /** {@code task} on {@code on}; when it is swamped, a future that failed with 503. */
    private static <T> Future<T> submit(ThreadPoolExecutor on, Callable<T> task) {
        try {
            return on.submit(task);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new QuorumException("too many replica calls at once; try again"));
        }
    }

    /** Waits for each of {@code futures} (one per target, in order), at most the call timeout each. */
    private <T> List<Result<T>> collect(List<NodeRef> targets, List<Future<T>> futures) throws QuorumException {
        List<Result<T>> out = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                out.add(new Result<>(targets.get(i), futures.get(i).get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS), null));
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                out.add(new Result<>(targets.get(i), null, cause instanceof Exception ex ? ex : e));
            } catch (TimeoutException e) {
                futures.get(i).cancel(true);
                out.add(new Result<>(targets.get(i), null, e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QuorumException("interrupted while replicating");
            }
        }
        return out;
    }

    /**
     * One upload fanned out while it arrives: each piece goes into this node's staged write on the
     * caller's thread and to the body of each replica's prepare, run on a thread of
     * {@link #streams} ({@link StreamedBodies}: bounded queues, the sender paused while one is
     * full). A replica that fails leaves the fan-out, and the quorum decides at the end; an upload
     * closed before its end cuts every prepare, so the replicas throw their partial copies away.
     */
    private final class FanOut implements WriteStream {
        private final StagedWrite staged;
        private final String tx;
        private final List<NodeRef> targets;
        private final StreamedBodies bodies;
        private final List<Future<Optional<ObjectMeta>>> prepares = new ArrayList<>();

        FanOut(StagedWrite staged, long length, List<NodeRef> targets, String tx) {
            this.staged = staged;
            this.tx = tx;
            this.targets = targets;
            String name = staged.name();
            this.bodies = new StreamedBodies(name, targets.size(), CALL_TIMEOUT_MS);
            for (int i = 0; i < targets.size(); i++) {
                int index = i;
                NodeRef t = targets.get(i);
                Future<Optional<ObjectMeta>> f = submit(streams, () -> {
                    try {
                        return peers.prepare(t, name, tx, length, bodies.body(index));
                    } finally {
                        bodies.left(index);
                    }
                });
                if (f.isDone()) {
                    bodies.left(index); // refused at once (swamped): it takes no pieces
                }
                prepares.add(f);
            }
        }

        @Override
        public boolean write(ByteBuffer piece) throws IOException {
            boolean ready = bodies.offer(piece);
            staged.write(piece);
            return ready;
        }

        @Override
        public void whenReady(Runnable ready) {
            bodies.whenReady(ready);
        }

        @Override
        public Committed finish() throws IOException {
            bodies.end();
            Uploads.Plan plan;
            try {
                staged.out().close(); // the content is whole: its digests, checked against the client's CRCs
                plan = plan(staged);
            } catch (IOException | RuntimeException e) {
                abandon();
                throw e;
            }
            if (plan.stored().isPresent()) {
                abandon();
                return plan.stored().get();
            }
            return settle(staged, plan, tx, collect(targets, prepares));
        }

        @Override
        public String bodySha256() throws IOException {
            return staged.sha256();
        }

        /** Throws away this node's copy and every replica's, sent or held. */
        private void abandon() {
            close();
            List<NodeRef> prepared = new ArrayList<>();
            try {
                for (Result<Optional<ObjectMeta>> r : collect(targets, prepares)) {
                    if (r.failure() == null) {
                        prepared.add(r.target());
                    }
                }
            } catch (QuorumException interrupted) {
                return; // the replicas expire what they hold
            }
            abort(prepared, tx);
        }

        @Override
        public void close() {
            bodies.close();
            staged.close();
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
        streams.shutdownNow();
    }
}
