package io.chordfs.node.replica;

import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.route.Manifests;
import io.chordfs.node.route.RingRouter;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.ConflictException;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chunked files on the owner: what an upload may write, when its manifest may commit, and when
 * its chunk objects go. The whole story is in docs/architecture.md, "Durability and integrity", and docs/usage.md, "fs-client".
 * <ul>
 * <li>A chunk object is written once: the same bytes again is a no-op (a resumed upload), other
 *     bytes a 409.</li>
 * <li>A plain write or delete of a chunk name ({@code f_chunk_i}) while this owner holds chunk
 *     objects of it: 409 naming the file.</li>
 * <li>A manifest that names an upload commits only when each chunk object it names is on its
 *     owner (or a replica) with the manifest's size and SHA-256, and no plain file has the chunk's
 *     name (a chunk of the previous version, when that one had no upload id, is not in the way):
 *     else 409 naming the object.</li>
 * <li>When a new version of a file replaces a manifest (or a delete removes it), the old upload's
 *     chunks are deleted: after {@code linger} for a replacement (readers of the old version
 *     finish), at once for a delete.</li>
 * <li>Chunk objects that the committed manifest does not name (killed, failed or losing uploads,
 *     and replaced versions whose deletion above was lost to a restart) are collected by their
 *     owner's repair round once nothing has written, read or checked them for {@code grace}.</li>
 * </ul>
 */
public final class Uploads implements AutoCloseable {
    /** A killed upload can be resumed for this long. */
    public static final long DEFAULT_GRACE_MS = 24L * 3600 * 1000;
    /** Readers of a replaced version get this long to finish. */
    static final long MAX_LINGER_MS = 10 * 60_000;
    private static final int MAX_RETIRING = 100_000;
    private static final long CHECK_TIMEOUT_MS = 60_000;
    private static final System.Logger LOG = System.getLogger(Uploads.class.getName());

    /** A chunk object that collection removes (or, in a dry run, would). */
    public record Orphan(String name, String file, String upload, long size, long lastActiveMillis) {}

    private final ChordService chord;
    private final ObjectStore store;
    private final PeerClient peers;
    private final Replicator owner;
    private final RingRouter router;
    private final long graceMs;
    private final long lingerMs;
    private final ThreadPoolExecutor checks;
    private final ScheduledExecutorService retirer;
    private final AtomicInteger retiring = new AtomicInteger();
    private volatile long lastCollection;

    public Uploads(ChordService chord, ObjectStore store, PeerClient peers, Replicator owner, RingRouter router,
                   long graceMs) {
        this.chord = chord;
        this.store = store;
        this.peers = peers;
        this.owner = owner;
        this.router = router;
        this.graceMs = graceMs;
        this.lingerMs = Math.min(graceMs, MAX_LINGER_MS);
        this.checks = new ThreadPoolExecutor(8, 8, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(20_000), r -> {
            Thread t = new Thread(r, "upload-checks-" + chord.self().ip());
            t.setDaemon(true);
            return t;
        });
        this.retirer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "upload-retirer-" + chord.self().ip());
            t.setDaemon(true);
            return t;
        });
    }

    // ------------------------------------------------------------------------------- before a write

    /**
     * What a write means for uploads: {@code stored} when it is a chunk object that is there with
     * the same bytes already (nothing to do), the manifest the name has now and the one it writes.
     */
    record Plan(Optional<Committed> stored, Optional<Manifest> previous, Optional<Manifest> next) {}

    /**
     * Checks a write this node is about to make as the owner; throws {@link ConflictException}
     * when it may not happen.
     */
    Plan beforeWrite(StagedWrite staged) throws IOException {
        String name = staged.name();
        Optional<ObjectNames.ChunkObject> chunk = ObjectNames.parse(name);
        if (chunk.isPresent()) {
            Optional<ObjectMeta> cur = store.meta(name).filter(m -> !m.tombstone());
            if (cur.isPresent() && !cur.get().sha256().equals(staged.sha256())) {
                throw new ConflictException("chunk " + chunk.get().chunkName() + " of upload " + chunk.get().upload()
                        + " is stored already with other bytes: an upload writes each chunk once");
            }
            cur.ifPresent(m -> store.touch(name));
            return new Plan(cur.map(m -> new Committed(m, false)), Optional.empty(), Optional.empty());
        }
        refuseOverChunks(name, "write");
        Optional<Manifest> previous = current(name);
        Optional<Manifest> next = manifestIn(staged);
        if (next.isPresent() && !next.get().upload().isEmpty()) {
            verify(next.get(), previous);
        }
        return new Plan(Optional.empty(), previous, next);
    }

    /** A plain write or delete of a chunk name that holds chunk objects here: 409 naming the file. */
    void refuseOverChunks(String name, String what) throws ConflictException {
        Optional<ObjectNames.ChunkName> c = ObjectNames.chunkOf(name);
        if (c.isEmpty()) {
            return;
        }
        List<ObjectMeta> held = store.chunkObjects(name);
        if (!held.isEmpty()) {
            String upload = ObjectNames.parse(held.get(0).name()).orElseThrow().upload();
            throw new ConflictException(name + " is chunk " + c.get().index() + " of the file " + c.get().file()
                    + " (upload " + upload + "); " + what + " " + c.get().file() + " instead");
        }
    }

    /** The manifest a staged write carries, if it is one for its own name. */
    private static Optional<Manifest> manifestIn(StagedWrite staged) throws IOException {
        long size = staged.size();
        if (size < Manifest.MAGIC.length() || size > Manifest.MAX_BYTES) {
            return Optional.empty();
        }
        return Manifests.parse(staged.name(), Files.readAllBytes(staged.file()));
    }

    /** The manifest stored here under {@code name}, if its current version is one. */
    Optional<Manifest> current(String name) throws IOException {
        if (ObjectNames.isInternal(name)) {
            return Optional.empty();
        }
        Optional<ObjectMeta> m = store.meta(name);
        if (m.isEmpty() || m.get().tombstone() || m.get().size() > Manifest.MAX_BYTES) {
            return Optional.empty();
        }
        try (ObjectReader r = store.read(name)) {
            return Manifests.read(r, name);
        } catch (java.nio.file.NoSuchFileException deletedMeanwhile) {
            return Optional.empty();
        }
    }

    /** Every chunk object {@code m} names is in place, and no plain file is in the way of its chunk names. */
    private void verify(Manifest m, Optional<Manifest> previous) throws IOException {
        List<Future<String>> problems = new ArrayList<>();
        for (int i = 0; i < m.chunks().size(); i++) {
            int index = i;
            try {
                problems.add(checks.submit(() -> problem(m, index, previous)));
            } catch (RejectedExecutionException e) {
                throw new io.chordfs.node.peer.RingUnavailableException("too many chunk checks at once; try again");
            }
        }
        List<String> found = new ArrayList<>();
        for (Future<String> f : problems) {
            try {
                String p = f.get(CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (p != null) {
                    found.add(p);
                }
            } catch (ExecutionException | TimeoutException e) {
                problems.forEach(x -> x.cancel(true));
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                throw new io.chordfs.node.peer.RingUnavailableException("could not check the chunks of " + m.name()
                        + ": " + cause.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.chordfs.node.peer.RingUnavailableException("interrupted while checking " + m.name());
            }
        }
        if (!found.isEmpty()) {
            throw new ConflictException(m.name() + " is not committed: " + found.get(0)
                    + (found.size() > 1 ? " (and " + (found.size() - 1) + " more)" : ""));
        }
    }

    /** What is wrong with chunk {@code i} of {@code m}, or null. */
    private String problem(Manifest m, int i, Optional<Manifest> previous) throws IOException {
        Manifest.Chunk c = m.chunks().get(i);
        String object = m.chunkObject(i);
        PeerClient.ChunkState state = chunkState(object);
        if (state.chunk().isEmpty() || state.chunk().get().tombstone()) {
            return "chunk " + c.name() + " of upload " + m.upload() + " is missing";
        }
        ObjectMeta got = state.chunk().get();
        if (got.size() != c.size() || !got.sha256().equals(c.sha256())) {
            return "chunk " + c.name() + " of upload " + m.upload() + " does not match the manifest";
        }
        Optional<ObjectMeta> plain = state.plain().filter(p -> !p.tombstone());
        boolean oldChunk = previous.filter(p -> p.upload().isEmpty() && i < p.chunks().size()
                && plain.isPresent() && p.chunks().get(i).sha256().equals(plain.get().sha256())).isPresent();
        if (plain.isPresent() && !oldChunk) {
            return c.name() + " is a file of its own; a chunked " + m.name() + " would hide it";
        }
        return null;
    }

    /** The chunk object's state from its owner, else from the next replica that answers. */
    private PeerClient.ChunkState chunkState(String object) throws IOException {
        long key = ObjectNames.placementKey(object);
        IOException last = null;
        for (NodeRef holder : router.replicaSet(key)) {
            if (holder.equals(chord.self())) {
                store.touch(object);
                Optional<String> plain = ObjectNames.parse(object).map(ObjectNames.ChunkObject::chunkName);
                return new PeerClient.ChunkState(store.meta(object), store.meta(plain.orElseThrow()));
            }
            try {
                return peers.chunkState(holder, object);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IOException("no node holds " + object);
    }

    // -------------------------------------------------------------------------------- after a write

    /**
     * {@code previous}, the manifest the name had, was replaced by {@code now} (a new version,
     * {@code next} when that is a manifest, or a tombstone): the chunks only the previous version
     * used are deleted, after the linger for a replacement and at once for a delete.
     */
    void replaced(Manifest previous, ObjectMeta now, Optional<Manifest> next) {
        boolean keepChunks = previous.upload().isEmpty()
                ? next.filter(n -> n.upload().isEmpty()).isPresent() // an old client rewrote its chunks in place
                : next.filter(n -> n.upload().equals(previous.upload())).isPresent();
        if (keepChunks) {
            return;
        }
        int n = previous.chunks().size();
        if (retiring.addAndGet(n) > MAX_RETIRING) {
            retiring.addAndGet(-n);
            LOG.log(System.Logger.Level.INFO, "{0}: {1} chunks of the replaced {2} are left to collection",
                    chord.self(), n, previous.name());
            return;
        }
        if (now.tombstone()) {
            retire(previous); // the file is gone: its space comes back before the delete is answered
            return;
        }
        try {
            retirer.schedule(() -> retire(previous), lingerMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            retiring.addAndGet(-n);
        }
    }

    /** Deletes the chunks of a replaced version, several at a time, and waits for them. */
    private void retire(Manifest m) {
        List<Future<Long>> deletes = new ArrayList<>();
        for (int i = 0; i < m.chunks().size(); i++) {
            int index = i;
            try {
                deletes.add(checks.submit(() -> retire(m, index)));
            } catch (RejectedExecutionException e) {
                retiring.addAndGet(-(m.chunks().size() - i));
                break; // closing, or swamped: collection takes the rest
            }
        }
        int deleted = 0;
        long bytes = 0;
        for (Future<Long> f : deletes) {
            try {
                long b = f.get(CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (b >= 0) {
                    deleted++;
                    bytes += b;
                }
            } catch (ExecutionException | TimeoutException e) {
                f.cancel(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.log(System.Logger.Level.INFO, "{0}: deleted {1} chunks ({2} bytes) of the replaced version of {3}{4}",
                chord.self(), deleted, Long.toString(bytes), m.name(), m.upload().isEmpty() ? "" : " (upload " + m.upload() + ")");
    }

    /** Deletes chunk {@code i} of a replaced version; returns its size, or -1 when it was not there (or not deleted). */
    private long retire(Manifest m, int i) {
        Manifest.Chunk c = m.chunks().get(i);
        String object = m.chunkObject(i);
        try {
            if (m.upload().isEmpty()) {
                // A chunk under its own name: deleted only while it is still this version's bytes.
                Optional<ObjectSource> cur = router.open(object);
                if (cur.isEmpty()) {
                    return -1;
                }
                try (ObjectSource s = cur.get()) {
                    if (!s.meta().sha256().equals(c.sha256())) {
                        return -1;
                    }
                }
            }
            return router.delete(object) ? c.size() : -1;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "{0}: could not delete {1} of the replaced {2} (collection will): {3}",
                    chord.self(), object, m.name(), e.getMessage());
            return -1;
        } finally {
            retiring.decrementAndGet();
        }
    }

    // ---------------------------------------------------------------------------------- collection

    /**
     * The repair round's collection: at most every quarter of the grace period, since a chunk
     * object found in use is not looked at again for a grace period.
     */
    void collectNow() {
        long now = store.clock().wallMillis();
        if (now - lastCollection >= graceMs / 4) {
            lastCollection = now;
            collect(false);
        }
    }

    /**
     * Collects (or with {@code dryRun} only lists) the chunk objects this node owns that the
     * committed manifest of their file does not name, once they have been idle for the grace
     * period. A file whose manifest cannot be read now is skipped. Reads one manifest per file
     * that has chunk objects idle that long; a chunk object its manifest names counts as used.
     */
    public List<Orphan> collect(boolean dryRun) {
        NodeRef self = chord.self();
        NodeRef pred = chord.node().predecessor();
        if (pred == null || !chord.node().inRing()) {
            return List.of();
        }
        long now = store.clock().wallMillis();
        Map<String, List<ObjectMeta>> byFile = new HashMap<>();
        for (ObjectMeta m : store.list()) {
            if (!m.tombstone() && Ring.inOpenClosed(m.key(), pred.id(), self.id()) && now - store.lastActive(m) >= graceMs) {
                ObjectNames.parse(m.name()).ifPresent(c -> byFile.computeIfAbsent(c.file(), f -> new ArrayList<>()).add(m));
            }
        }
        List<Orphan> out = new ArrayList<>();
        for (Map.Entry<String, List<ObjectMeta>> e : byFile.entrySet()) {
            String committed;
            try {
                committed = committedUpload(e.getKey());
            } catch (IOException | RuntimeException unreadable) {
                continue;
            }
            for (ObjectMeta m : e.getValue()) {
                ObjectNames.ChunkObject c = ObjectNames.parse(m.name()).orElseThrow();
                long idle = store.lastActive(m);
                if (c.upload().equals(committed)) {
                    store.touch(m.name());
                    continue;
                }
                Orphan o = new Orphan(m.name(), c.file(), c.upload(), m.size(), idle);
                if (dryRun || collect(m, idle)) {
                    out.add(o);
                }
            }
        }
        if (!dryRun && !out.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "{0}: collected {1} abandoned chunk objects ({2} bytes)", self,
                    out.size(), Long.toString(out.stream().mapToLong(Orphan::size).sum()));
        }
        return out;
    }

    private boolean collect(ObjectMeta m, long idleSince) {
        try {
            return owner.deleteIfIdle(m.name(), idleSince).filter(ObjectMeta::tombstone).isPresent();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.INFO, "{0}: could not collect {1}: {2}", chord.self(), m.name(), e.getMessage());
            return false;
        }
    }

    /** The upload the committed version of {@code file} names ("" when it is not a chunked file with one). */
    private String committedUpload(String file) throws IOException {
        return Manifests.read(router, file).map(Manifest::upload).orElse("");
    }

    @Override
    public void close() {
        checks.shutdownNow();
        retirer.shutdownNow();
    }
}
