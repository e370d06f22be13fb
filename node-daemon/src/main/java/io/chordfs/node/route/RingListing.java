package io.chordfs.node.route;

import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectStore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the file server lists: the newest live version of every name in the ring, whichever node
 * is asked. This node walks the ring ({@link RingMembers}) and asks every other member for the
 * metadata of its whole store ({@link PeerClient#listAll}, tombstones included) at once, in
 * parallel, and merges by name: the highest version wins, and a tombstone at the highest version
 * hides the name. Asking for whole stores rather than owned ranges keeps the listing right while
 * nodes join, leave or repair: a name is on R nodes, so a member that fails or times out loses no
 * name that another replica has.
 *
 * <p>Bounds: each member's whole answer must arrive within {@link #NODE_TIMEOUT}, and the members
 * are asked at once ({@value #THREADS} at a time: a larger ring waits one more timeout per
 * {@value #THREADS} members), so dead members cost one timeout together; a member that fails or is
 * late is named in the listing and the rest is still listed. Answers stream in and are merged one object at a time, into at most
 * {@link #MAX_NAMES} names: past that the listing keeps the first names in {@link #ORDER} and says
 * it is cut. Requests that arrive while a listing is being gathered share the next gather, so one
 * runs at a time (per kind: with or without chunk objects) however many clients ask.
 */
public final class RingListing implements AutoCloseable {
    /** The most names one listing holds. */
    public static final int MAX_NAMES = 100_000;
    static final Duration NODE_TIMEOUT = Duration.ofSeconds(5);
    private static final int THREADS = 32;
    /** Beyond the members' own timeouts, so those decide and name the member that was late. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final System.Logger LOG = System.getLogger(RingListing.class.getName());

    /** http.server's order for a directory: by lower-cased name (ties, which Python leaves in disk order, by name). */
    public static final Comparator<String> ORDER =
            Comparator.comparing((String n) -> n.toLowerCase(Locale.ROOT)).thenComparing(Comparator.naturalOrder());

    /**
     * One listing.
     *
     * @param objects    the newest live version of each name, in {@link #ORDER} (block CRCs left out)
     * @param cutAt      0 when whole; else there were more names than this, and {@code objects} has the first ones
     * @param nodes      how many nodes' copies are in it, this one's included
     * @param unanswered members that did not answer: a file whose every copy is on them is missing
     * @param wholeRing  the walk came back round to this node; false: members past where it stopped were not asked
     */
    public record Listing(List<ObjectMeta> objects, int cutAt, int nodes, List<NodeRef> unanswered,
                          boolean wholeRing) {}

    /** The members a listing asks besides this node, those the walk could not reach, and whether it went all the way round. */
    public record Walk(List<NodeRef> peers, List<NodeRef> unreachable, boolean complete) {}

    /** Finds the members to ask; {@link RingMembers} on a ring. */
    interface Members {
        Walk walk() throws IOException;
    }

    private final ObjectStore store;
    private final PeerClient peers;
    private final Members members;
    private final Duration nodeTimeout;
    private final int maxNames;
    private final ThreadPoolExecutor pool;
    private final Rounds withChunks = new Rounds();
    private final Rounds withoutChunks = new Rounds();

    RingListing(ObjectStore store, PeerClient peers, Members members, Duration nodeTimeout, int maxNames) {
        this.store = store;
        this.peers = peers;
        this.members = members;
        this.nodeTimeout = nodeTimeout;
        this.maxNames = maxNames;
        AtomicInteger ids = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "listing-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /** The listing of a ring member: every member's copies. */
    public static RingListing of(ChordService chord, ObjectStore store, PeerClient peers) {
        return new RingListing(store, peers, new RingMembers(chord), NODE_TIMEOUT, MAX_NAMES);
    }

    /** The other members of the ring as a walk of successor lists finds them now. */
    public Walk members() throws IOException {
        return members.walk();
    }

    /** The listing of a node that is the whole store by itself ({@link LocalRouter}). */
    public static RingListing alone(ObjectStore store) {
        return new RingListing(store, null, () -> new Walk(List.of(), List.of(), true), NODE_TIMEOUT, MAX_NAMES);
    }

    /**
     * Every file in the ring; with {@code chunks}, chunk objects ({@link ObjectNames#isInternal})
     * too. Throws {@link io.chordfs.node.peer.RingUnavailableException} when this node is in no ring.
     */
    public Listing ring(boolean chunks) throws IOException {
        return (chunks ? withChunks : withoutChunks).next(() -> gather(chunks));
    }

    /** This node's own copies. */
    public Listing here(boolean chunks) {
        Newest newest = new Newest(maxNames, chunks);
        store.list().forEach(newest::add);
        return newest.finish(1, List.of(), true);
    }

    private Listing gather(boolean chunks) throws IOException {
        Walk walk = members.walk();
        Newest newest = new Newest(maxNames, chunks);
        Map<NodeRef, Future<?>> asked = new LinkedHashMap<>();
        for (NodeRef n : walk.peers()) {
            if (!walk.unreachable().contains(n)) {
                asked.put(n, pool.submit(() -> {
                    peers.listAll(n, nodeTimeout, newest::add);
                    return null;
                }));
            }
        }
        store.list().forEach(newest::add);
        List<NodeRef> unanswered = new ArrayList<>(walk.unreachable());
        int answered = 1; // this node
        long rounds = Math.max(1, (asked.size() + THREADS - 1) / THREADS);
        long deadline = System.nanoTime() + nodeTimeout.toNanos() * rounds + GRACE_NANOS;
        try {
            for (Map.Entry<NodeRef, Future<?>> a : asked.entrySet()) {
                try {
                    a.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    answered++;
                } catch (ExecutionException | TimeoutException e) {
                    a.getValue().cancel(true); // one still waiting for a thread never starts
                    unanswered.add(a.getKey());
                    Throwable why = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                    LOG.log(System.Logger.Level.INFO, "listing the ring: {0} did not answer: {1}", a.getKey(),
                            why instanceof TimeoutException ? "not done in time" : why.toString());
                }
            }
        } catch (InterruptedException e) {
            asked.values().forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while listing the ring");
        }
        return newest.finish(answered, unanswered, walk.complete());
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /**
     * The newest version of each name merged so far, of at most {@code max} names: the first ones
     * in {@link #ORDER}, tombstones included (they must still hide older copies that arrive later).
     * When full, a name past the last one is dropped and an earlier one evicts the last; the last
     * name only moves earlier, so an evicted name never comes back with an older version.
     */
    private static final class Newest {
        private final TreeMap<String, ObjectMeta> byName = new TreeMap<>(ORDER);
        private final int max;
        private final boolean chunks;
        private boolean cut;
        private boolean finished;

        Newest(int max, boolean chunks) {
            this.max = max;
            this.chunks = chunks;
        }

        synchronized void add(ObjectMeta m) {
            if (finished || !chunks && ObjectNames.isInternal(m.name())) {
                return; // a late answer after the listing was sent, or a hidden chunk object
            }
            ObjectMeta had = byName.get(m.name());
            if (had != null) {
                if (m.version() > had.version()) {
                    byName.put(m.name(), withoutCrcs(m));
                }
                return;
            }
            if (byName.size() >= max) {
                cut = true;
                if (ORDER.compare(m.name(), byName.lastKey()) > 0) {
                    return;
                }
                byName.pollLastEntry();
            }
            byName.put(m.name(), withoutCrcs(m));
        }

        synchronized Listing finish(int nodes, List<NodeRef> unanswered, boolean wholeRing) {
            finished = true;
            List<ObjectMeta> live = new ArrayList<>(byName.size());
            for (ObjectMeta m : byName.values()) {
                if (!m.tombstone()) {
                    live.add(m);
                }
            }
            return new Listing(live, cut ? max : 0, nodes, List.copyOf(unanswered), wholeRing);
        }

        /** A listing needs no block CRCs, and a large file has one per MiB. */
        private static ObjectMeta withoutCrcs(ObjectMeta m) {
            return m.blockCrc32c().isEmpty() ? m : new ObjectMeta(m.name(), m.key(), m.size(), m.sha256(), m.version(),
                    m.tombstone(), m.modifiedMillis(), m.blockSize(), List.of());
        }
    }

    /**
     * Shares gathers between concurrent requests. A request joins the round that has not started
     * yet, so the gather that answers it starts after it arrived and sees every write acknowledged
     * before it; one gather runs at a time.
     */
    private static final class Rounds {
        private final Semaphore turn = new Semaphore(1);
        private CompletableFuture<Listing> pending;

        interface Gather {
            Listing run() throws IOException;
        }

        Listing next(Gather gather) throws IOException {
            CompletableFuture<Listing> mine;
            synchronized (this) {
                if (pending == null) {
                    pending = new CompletableFuture<>();
                }
                mine = pending;
            }
            try {
                turn.acquire();
                try {
                    synchronized (this) {
                        if (pending == mine) {
                            pending = null; // started: later requests make the next round
                        }
                    }
                    if (!mine.isDone()) {
                        try {
                            mine.complete(gather.run());
                        } catch (IOException | RuntimeException e) {
                            mine.completeExceptionally(e);
                        }
                    }
                } finally {
                    turn.release();
                }
                return mine.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for a listing of the ring");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw (RuntimeException) e.getCause();
            }
        }
    }
}
