package io.chordfs.node.daemon;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordListener;
import io.chordfs.core.chord.ClusterSecret;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.EventLoops;
import io.chordfs.node.http.FileServer;
import io.chordfs.node.http.PeerServer;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.node.replica.Drain;
import io.chordfs.node.replica.JoinHandover;
import io.chordfs.node.replica.RepairLoop;
import io.chordfs.node.replica.Replicator;
import io.chordfs.node.replica.Uploads;
import io.chordfs.node.route.RingListing;
import io.chordfs.node.ops.Console;
import io.chordfs.node.ops.NodeMetrics;
import io.chordfs.node.route.RingRouter;
import io.chordfs.node.store.ObjectStore;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One storage node: the Chord ring member (port P), the file server (P + 1) and the
 * node-to-node endpoint (P + 2) over one object store.
 */
public final class NodeDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NodeDaemon.class.getName());
    public static final long DEFAULT_REPAIR_MS = 5_000;
    public static final long DEFAULT_DRAIN_MS = 120_000;
    /** Long enough for any replica that missed a delete to come back and learn of it. */
    public static final long DEFAULT_TOMBSTONE_TTL_MS = 7L * 24 * 3600 * 1000;

    /**
     * How a node runs.
     *
     * @param ip the address the node announces: its identity on the wire and in the ring
     * @param listenIp the address its three servers bind; null means {@code ip}. Differs when peers
     *     reach the node through an address translation (EC2's public IPv4 is on no interface)
     * @param capacityBytes the quota for stored bytes; 0 counts against the file system
     * @param http the file server's settings: basic auth, request limits, threads, timeouts
     * @param clusterSecret required on the node-to-node port and for {@code kill} when not null
     * @param clock the node's wall clock, which its version clock starts from (tests skew it)
     * @param uploadGraceMs how long chunk objects no manifest names are kept while idle (a killed
     *     upload can be resumed for this long); see {@link Uploads}
     */
    public record Config(String ip, String listenIp, int port, Long id, Path dataDir, ChordConfig chord,
                         int writeQuorum, long repairPeriodMs, long tombstoneTtlMs, long capacityBytes,
                         FileServer.Options http, String clusterSecret, Clock clock, long uploadGraceMs) {
        public Config {
            Objects.requireNonNull(ip, "ip");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(chord, "chord");
            Objects.requireNonNull(http, "http");
            listenIp = listenIp == null ? ip : listenIp;
        }

        public static Config of(String ip, Path dataDir) {
            return new Config(ip, ip, PortLayout.CHORD, null, dataDir, ChordConfig.defaults(), 0, DEFAULT_REPAIR_MS,
                    DEFAULT_TOMBSTONE_TTL_MS, 0, FileServer.Options.defaults(), null, Clock.systemUTC(),
                    Uploads.DEFAULT_GRACE_MS);
        }

        public Config withChord(ChordConfig c) {
            return edit(b -> b.chord = c);
        }

        public Config withId(Long nodeId) {
            return edit(b -> b.id = nodeId);
        }

        public Config withTombstoneTtl(long ms) {
            return edit(b -> b.tombstoneTtlMs = ms);
        }

        public Config withRepairPeriod(long ms) {
            return edit(b -> b.repairPeriodMs = ms);
        }

        /** Listens on {@code address}, still announcing {@link #ip()}. */
        public Config withListenIp(String address) {
            return edit(b -> b.listenIp = address);
        }

        /** A quota for stored bytes (0: the file system is the limit). */
        public Config withCapacity(long bytes) {
            return edit(b -> b.capacityBytes = bytes);
        }

        public Config withWriteQuorum(int copies) {
            return edit(b -> b.writeQuorum = copies);
        }

        /** The cluster secret that node-to-node calls must prove (null: none). */
        public Config withClusterSecret(String secret) {
            return edit(b -> b.clusterSecret = secret);
        }

        public Config withUploadGrace(long ms) {
            return edit(b -> b.uploadGraceMs = ms);
        }

        public Config withClock(Clock wall) {
            return edit(b -> b.clock = wall);
        }

        public Config withPort(int chordPort) {
            return edit(b -> b.port = chordPort);
        }

        public Config withHttp(FileServer.Options options) {
            return edit(b -> b.http = options);
        }

        /** This configuration with {@code change} made to a copy of its parts. */
        private Config edit(java.util.function.Consumer<Parts> change) {
            Parts p = new Parts(this);
            change.accept(p);
            return new Config(p.ip, p.listenIp, p.port, p.id, p.dataDir, p.chord, p.writeQuorum, p.repairPeriodMs,
                    p.tombstoneTtlMs, p.capacityBytes, p.http, p.clusterSecret, p.clock, p.uploadGraceMs);
        }

        /** A configuration's parts, to change one at a time. */
        private static final class Parts {
            String ip;
            String listenIp;
            int port;
            Long id;
            Path dataDir;
            ChordConfig chord;
            int writeQuorum;
            long repairPeriodMs;
            long tombstoneTtlMs;
            long capacityBytes;
            FileServer.Options http;
            String clusterSecret;
            Clock clock;
            long uploadGraceMs;

            Parts(Config c) {
                ip = c.ip;
                listenIp = c.listenIp;
                port = c.port;
                id = c.id;
                dataDir = c.dataDir;
                chord = c.chord;
                writeQuorum = c.writeQuorum;
                repairPeriodMs = c.repairPeriodMs;
                tombstoneTtlMs = c.tombstoneTtlMs;
                capacityBytes = c.capacityBytes;
                http = c.http;
                clusterSecret = c.clusterSecret;
                clock = c.clock;
                uploadGraceMs = c.uploadGraceMs;
            }
        }
    }

    private final ObjectStore store;
    private final ChordService chord;
    private final PeerClient peers;
    private final Replicator replicator;
    private final RingRouter router;
    private final Uploads uploads;
    private final RepairLoop repair;
    private final PeerServer peerServer;
    private final RingListing listing;
    private final FileServer fileServer;
    private final EventLoopGroup loops;
    private volatile Runnable onKilled = () -> { };

    private NodeDaemon(ObjectStore store, ChordService chord, PeerClient peers, Replicator replicator, RingRouter router,
                       Uploads uploads,
                       RepairLoop repair, PeerServer peerServer, RingListing listing, FileServer fileServer,
                       EventLoopGroup loops, NodeMetrics metrics) {
        this.loops = loops;
        this.uploads = uploads;
        this.store = store;
        this.chord = chord;
        this.peers = peers;
        this.replicator = replicator;
        this.router = router;
        this.repair = repair;
        this.peerServer = peerServer;
        this.listing = listing;
        this.fileServer = fileServer;
        chord.setListener(new ChordListener() {
            @Override
            public void successorsChanged(List<NodeRef> successors) {
                metrics.successorsChanged();
                repair.trigger();
            }

            @Override
            public void predecessorChanged(NodeRef predecessor) {
                repair.trigger();
            }

            @Override
            public void killed() {
                onKilled.run();
            }
        });
    }

    /** Opens the store and binds all three ports; the node is in no ring until create or join. */
    public static NodeDaemon start(Config c) throws IOException {
        ObjectStore store = ObjectStore.open(c.dataDir(), c.capacityBytes(), c.clock());
        ChordService chord = null;
        Replicator replicator = null;
        Uploads uploads = null;
        RepairLoop repair = null;
        PeerServer peerServer = null;
        RingListing listing = null;
        RingRouter router = null;
        EventLoopGroup loops = null;
        try {
            // One secret for the node's every proof: Chord membership and the transfer port alike.
            ClusterSecret secret = ClusterSecret.of(c.clusterSecret());
            ChordService.Options options = ChordService.Options.of(c.listenIp(), c.port()).withAnnounceIp(c.ip())
                    .withChord(c.chord().withClusterSecret(secret));
            chord = ChordService.start(c.id() == null ? options : options.withId(c.id()));
            PeerClient peers = new PeerClient(secret, store.clock());
            int replicas = c.chord().replicationFactor();
            replicator = new Replicator(chord, store, peers, replicas, c.writeQuorum());
            router = new RingRouter(chord, store, peers, replicator, replicas);
            uploads = new Uploads(chord, store, peers, replicator, router, c.uploadGraceMs());
            replicator.checkWritesWith(uploads);
            repair = new RepairLoop(chord, store, peers, replicator, router, uploads, c.repairPeriodMs(),
                    c.tombstoneTtlMs());
            router.onDamage(repair::trigger);
            int port = chord.self().port();
            ChordService ring = chord;
            // Both HTTP ports share the event loops; each has its own workers, so a flood of clients
            // on 5058 never starves the replica writes other owners send to 5059.
            loops = EventLoops.newGroup(Math.max(2, Runtime.getRuntime().availableProcessors()), "http-" + port);
            peerServer = PeerServer.start(new InetSocketAddress(c.listenIp(), PortLayout.peer(port)), c.http().host(),
                    loops, store, replicator, new JoinHandover(chord, store, peers, router)::handOver,
                    () -> ring.node().inRing(), secret, chord.self());
            listing = RingListing.of(chord, store, peers);
            FileServer files = FileServer.start(new InetSocketAddress(c.listenIp(), PortLayout.http(port)), store, router,
                    listing, c.http(), loops);
            files.collectWith(uploads);
            NodeMetrics metrics = new NodeMetrics(store, chord, repair);
            Console console = new Console(chord, listing, c.http().basicAuth());
            files.operateWith(new FileServer.Operations(() -> ring.node().inRing(), NodeMetrics.contentType(),
                    metrics::scrape, console.pageBytes(), console::writeStatus), metrics.observer(PortLayout.http(port)));
            peerServer.observe(metrics.observer(PortLayout.peer(port)));
            return new NodeDaemon(store, chord, peers, replicator, router, uploads, repair, peerServer, listing, files, loops,
                    metrics);
        } catch (IOException | RuntimeException e) {
            if (listing != null) {
                listing.close();
            }
            if (peerServer != null) {
                peerServer.close();
            }
            if (loops != null) {
                loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            if (repair != null) {
                repair.close();
            }
            if (uploads != null) {
                uploads.close();
            }
            if (router != null) {
                router.close();
            }
            if (replicator != null) {
                replicator.close();
            }
            if (chord != null) {
                chord.close();
            }
            store.close();
            throw e;
        }
    }

    public NodeRef self() {
        return chord.self();
    }

    public ChordService chord() {
        return chord;
    }

    public ObjectStore store() {
        return store;
    }

    /** Runs when a peer's {@code kill} RPC has made this node leave the ring. */
    public void onKilled(Runnable action) {
        onKilled = action;
    }

    public void createRing() {
        chord.create().join();
    }

    /**
     * Joins the ring of the node at {@code via}, then asks the new successor for the objects
     * this node now owns.
     */
    public void join(InetSocketAddress via, long timeoutMs) throws IOException {
        try {
            chord.join(via).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IOException("could not join through " + via.getHostString() + ":" + via.getPort() + ": "
                    + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while joining");
        }
        awaitPredecessor(timeoutMs);
        NodeRef successor = chord.node().successor();
        try {
            List<String> received = peers.notifyJoin(successor, chord.self());
            LOG.log(System.Logger.Level.INFO, "{0}: joined; {1} handed over {2} objects", chord.self(), successor, received.size());
        } catch (IOException e) {
            // Not fatal: until the objects arrive, reads of them are answered from the successor.
            LOG.log(System.Logger.Level.WARNING, "{0}: joined, but {1} did not hand over its objects: {2}",
                    chord.self(), successor, e.getMessage());
        }
    }

    /**
     * Waits until this node's predecessor has adopted it (and said so with notify): from then
     * on lookups route to this node, so the successor can tell which objects are now ours.
     */
    private void awaitPredecessor(long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (chord.node().predecessor() == null) {
            if (System.currentTimeMillis() > deadline) {
                LOG.log(System.Logger.Level.WARNING, "{0}: no predecessor adopted this node within {1} ms; "
                        + "asking for the hand-over anyway", chord.self(), timeoutMs);
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Stops at once: no hand-over, no goodbye; the data stays on disk (a crash, or local mode's Ctrl-C). */
    public void halt() {
        fileServer.close();
        listing.close();
        peerServer.close();
        repair.close();
        uploads.close();
        router.close();
        replicator.close();
        chord.close();
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        store.close();
    }

    /**
     * The graceful leave: refuses new writes, leaves the ring telling the neighbours, hands every
     * object to the nodes that now hold its key (bounded by {@code drainMillis}), then stops.
     * Leaving first makes the heirs members of the new replica sets before the copies arrive, so
     * none of them drops a copy as not its own; until the hand-over ends, this node's disk still
     * holds one, so every key has R copies throughout.
     */
    public void leaveAndClose(long drainMillis) {
        replicator.refuseWrites();
        repair.close();
        Drain drain = new Drain(chord, store, peers, replicator);
        List<NodeRef> heirs = drain.heirs();
        try {
            chord.leave().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: could not tell the neighbours before stopping: {1}", chord.self(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = drain.run(heirs, System.currentTimeMillis() + drainMillis);
        if (left > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} objects were not handed over; their other replicas still hold them",
                    chord.self(), left);
        }
        halt();
    }

    /** {@link #leaveAndClose(long)} with the default hand-over time. */
    @Override
    public void close() {
        leaveAndClose(DEFAULT_DRAIN_MS);
    }
}
