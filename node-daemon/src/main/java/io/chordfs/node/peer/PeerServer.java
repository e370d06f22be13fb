package io.chordfs.node.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.chord.ClusterSecret;
import io.chordfs.core.chord.RefusalLog;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.RangeDigest;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import io.chordfs.node.store.StoreFullException;
import io.chordfs.node.store.VersionClock;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The node-to-node endpoint (port 5059): object transfer with metadata, listings by key range,
 * and the teaching design's {@code POST /notify_join_system}. With a cluster secret, every call
 * must carry it.
 *
 * <pre>
 * PUT    /objects/NAME   body = bytes; X-ChordFS-Version/-Modified/-Sha256 optional  -> 200 meta JSON,
 *                        with X-ChordFS-Created: 1 when the write made the name live
 * GET    /objects/NAME   -> 200 bytes with X-ChordFS-Version/-Modified/-Sha256, or 404
 * DELETE /objects/NAME   X-ChordFS-Version optional -> 200 tombstone meta JSON, or 404
 * PUT    /objects/NAME?prepare=TX  body = bytes; X-ChordFS-Sha256 -> 200 {"current": meta or null}: the
 *                        bytes are held uncommitted (the first phase of an owner's write)
 * POST   /prepared/TX    X-ChordFS-Version/-Modified -> 200 meta JSON now stored, or 404 (expired)
 * DELETE /prepared/TX    -> 204: the held bytes are discarded
 * GET    /meta/NAME      -> 200 meta JSON (tombstones too), or 404
 * GET    /chunk-state/CHUNK_OBJECT -> 200 {"chunk": meta or null, "plain": meta of its chunk name or null};
 *                        marks the chunk object as looked at (a manifest about to name it)
 * GET    /objects?from=A&amp;to=B  -> metadata of objects with keys in (A, B], tombstones included
 * GET    /digest?from=A&amp;to=B&amp;buckets=N -> N bucket digests of (A, B] (see RangeDigest)
 * POST   /notify_join_system {"ip","port","id"} -> {"files": [names handed to the new node]}
 * </pre>
 * Every request and answer carries {@code X-ChordFS-Clock}, the sender's {@link VersionClock}
 * reading, and each side moves its clock past the other's.
 */
public final class PeerServer implements AutoCloseable {
    /** Writes that this node makes as the owner of a name: it versions and replicates them. */
    public interface OwnerWrites {
        /** Versions, commits and replicates {@code staged}; returns what the commit did. */
        Committed write(StagedWrite staged) throws IOException;

        /** A new tombstone; empty when the name is absent or already deleted. */
        Optional<ObjectMeta> delete(String name) throws IOException;
    }

    /** What a node does when told that another node joined in front of it. */
    @FunctionalInterface
    public interface Handover {
        List<String> handOver(NodeRef newNode) throws IOException;
    }

    private static final System.Logger LOG = System.getLogger(PeerServer.class.getName());
    private static final int MAX_JSON_BYTES = 64 * 1024;
    /** Set on an exchange whose request proved the cluster secret: only then is the answer proven. */
    private static final String PROVEN = "chordfs.proven";

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final ObjectStore store;
    private final OwnerWrites owner;
    private final Handover handover;
    private final BooleanSupplier member;
    private final ClusterSecret secret;
    private final NodeRef self;
    private final VersionClock clock;
    private final PreparedWrites prepared;
    private final RefusalLog refusals;

    private PeerServer(HttpServer server, ThreadPoolExecutor pool, ObjectStore store, OwnerWrites owner,
                       Handover handover, BooleanSupplier member, ClusterSecret secret, NodeRef self) {
        this.self = self;
        this.member = member;
        this.server = server;
        this.pool = pool;
        this.store = store;
        this.owner = owner;
        this.handover = handover;
        this.secret = secret;
        this.clock = store.clock();
        this.prepared = new PreparedWrites(server.getAddress().getHostString());
        this.refusals = new RefusalLog(self.toString());
    }

    /**
     * @param member whether this node is a ring member now; a node that is not (still joining,
     *               or leaving) refuses listings, so no peer counts its copies as held
     * @param clusterSecret what every request must prove it holds (and every answer proves)
     * @param self this node as the ring knows it: what proofs of requests to it name
     */
    public static PeerServer start(InetSocketAddress bind, ObjectStore store, OwnerWrites owner, Handover handover,
                                   BooleanSupplier member, ClusterSecret clusterSecret, NodeRef self, int threads)
            throws IOException {
        HttpServer http = HttpServer.create(bind, 64);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "peer-http-" + bind.getHostString());
                    t.setDaemon(true);
                    return t;
                });
        PeerServer s = new PeerServer(http, pool, store, owner, handover, member, clusterSecret, self);
        http.setExecutor(pool);
        http.createContext("/", s::handle);
        http.start();
        return s;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        prepared.close();
    }

    private void handle(HttpExchange ex) {
        try {
            String problem = authorization(ex);
            if (problem != null) {
                refusals.refused(ex.getRemoteAddress().getAddress().getHostAddress(), ex.getRequestMethod() + " "
                        + ex.getRequestURI().getRawPath(), problem, clock.wallMillis());
                respond(ex, 403, "a proof of the cluster secret is required");
                return;
            }
            ex.setAttribute(PROVEN, Boolean.TRUE);
            Long theirs = longHeader(ex, PeerHeaders.CLOCK);
            if (theirs != null) {
                clock.observePeer(theirs);
            }
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            Map<String, String> query = PeerParams.query(ex.getRequestURI().getRawQuery());
            if (path.equals(PeerHeaders.NOTIFY_JOIN) && method.equals("POST")) {
                notifyJoin(ex);
            } else if ((path.equals(PeerHeaders.OBJECTS) || path.equals(PeerHeaders.DIGEST)) && !member.getAsBoolean()) {
                respond(ex, 503, "not a ring member: this node's copies do not count");
            } else if (path.equals(PeerHeaders.OBJECTS) && method.equals("GET")) {
                list(ex);
            } else if (path.equals(PeerHeaders.DIGEST) && method.equals("GET")) {
                digest(ex);
            } else if (path.startsWith(PeerHeaders.PREPARED + "/")) {
                String tx = PeerParams.tx(path.substring(PeerHeaders.PREPARED.length() + 1));
                switch (method) {
                    case "POST" -> commitPrepared(ex, tx);
                    case "DELETE" -> abortPrepared(ex, tx);
                    default -> respond(ex, 405, "method not allowed");
                }
            } else if (path.startsWith(PeerHeaders.CHUNK_STATE + "/") && method.equals("GET")) {
                chunkState(ex, PercentCodec.decodeObjectName(path.substring(PeerHeaders.CHUNK_STATE.length() + 1)));
            } else if (path.startsWith(PeerHeaders.META + "/") && method.equals("GET")) {
                meta(ex, PercentCodec.decodeObjectName(path.substring(PeerHeaders.META.length() + 1)));
            } else if (path.startsWith(PeerHeaders.OBJECTS + "/")) {
                String name = PercentCodec.decodeObjectName(path.substring(PeerHeaders.OBJECTS.length() + 1));
                String tx = query.get(PeerHeaders.PREPARE);
                switch (method) {
                    case "PUT" -> {
                        if (tx != null) {
                            prepare(ex, name, PeerParams.tx(tx));
                        } else {
                            put(ex, name);
                        }
                    }
                    case "GET", "HEAD" -> get(ex, name, method.equals("HEAD"));
                    case "DELETE" -> delete(ex, name);
                    default -> respond(ex, 405, "method not allowed");
                }
            } else {
                respond(ex, 404, "no such endpoint");
            }
        } catch (IOException | IllegalArgumentException e) {
            int status = Statuses.of(e);
            if (status == 500) {
                LOG.log(System.Logger.Level.WARNING, "peer " + server.getAddress() + ": " + ex.getRequestMethod() + " "
                        + ex.getRequestURI() + " failed: " + e.getMessage());
            }
            respond(ex, status, e.getMessage());
        } finally {
            ex.close();
        }
    }

    /** What is wrong with the request's proof of the cluster secret, or null when it holds (or none is needed). */
    private String authorization(HttpExchange ex) {
        String q = ex.getRequestURI().getRawQuery();
        String claim = PeerHeaders.claim(ex.getRequestMethod(), ex.getRequestURI().getRawPath() + (q == null ? "" : "?" + q), self);
        return secret.problem(claim, ex.getRequestHeaders().getFirst(PeerHeaders.PROOF), clock.wallMillis());
    }

    private void put(HttpExchange ex, String name) throws IOException {
        Long version = longHeader(ex, PeerHeaders.VERSION);
        Long modified = longHeader(ex, PeerHeaders.MODIFIED);
        String sha = PeerParams.sha256(ex.getRequestHeaders().getFirst(PeerHeaders.SHA256));
        Committed done;
        try (StagedWrite w = store.stage(name); InputStream in = ex.getRequestBody()) {
            String crcs = ex.getRequestHeaders().getFirst(BlockCrcs.HEADER);
            if (version != null && sha != null && crcs != null) {
                w.trustChecksums(sha, BlockCrcs.parse(crcs));
            }
            in.transferTo(w.out());
            if (version != null) {
                ObjectMeta meta = w.commit(version, modified != null ? modified : clock.wallMillis(), sha);
                done = new Committed(meta, w.created());
            } else {
                // A client's write forwarded to us, the owner: we version and replicate it.
                if (sha != null && !sha.equals(w.sha256())) {
                    throw new CorruptObjectException(name + " arrived with SHA-256 " + w.sha256() + ", not " + sha);
                }
                done = owner.write(w);
            }
        }
        if (done.created()) {
            ex.getResponseHeaders().set(PeerHeaders.CREATED, "1");
        }
        respondJson(ex, 200, done.meta());
    }

    /**
     * The first phase of an owner's write: receives and checks the bytes, holds them uncommitted,
     * and answers with this node's current metadata of the name, so the owner can pick a version
     * above it.
     */
    private void prepare(HttpExchange ex, String name, String tx) throws IOException {
        String sha = PeerParams.sha256(ex.getRequestHeaders().getFirst(PeerHeaders.SHA256));
        if (sha == null) {
            throw new IllegalArgumentException(PeerHeaders.SHA256 + " is required to prepare a write");
        }
        StagedWrite w = store.stage(name);
        try (InputStream in = ex.getRequestBody()) {
            String crcs = ex.getRequestHeaders().getFirst(BlockCrcs.HEADER);
            if (crcs != null) {
                w.trustChecksums(sha, BlockCrcs.parse(crcs));
            }
            in.transferTo(w.out());
            if (!sha.equals(w.sha256())) {
                throw new CorruptObjectException(name + " arrived with SHA-256 " + w.sha256() + ", not " + sha);
            }
            if (!prepared.hold(tx, w)) {
                throw new RingUnavailableException(server.getAddress().getHostString() + " holds "
                        + prepared.size() + " prepared writes already (or the id " + tx + " is taken); try again");
            }
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
        Map<String, Object> answer = new HashMap<>();
        answer.put("current", store.meta(name).orElse(null));
        respondJson(ex, 200, answer);
    }

    /** The second phase: commits the held bytes as the owner's version. */
    private void commitPrepared(HttpExchange ex, String tx) throws IOException {
        Long version = longHeader(ex, PeerHeaders.VERSION);
        Long modified = longHeader(ex, PeerHeaders.MODIFIED);
        if (version == null) {
            throw new IllegalArgumentException(PeerHeaders.VERSION + " is required to commit");
        }
        StagedWrite w = prepared.take(tx);
        if (w == null) {
            respond(ex, 404, "no prepared write " + tx + " (expired, or never received)");
            return;
        }
        ObjectMeta meta;
        try (w) {
            meta = w.commit(version, modified != null ? modified : clock.wallMillis(), null);
        }
        respondJson(ex, 200, meta);
    }

    private void abortPrepared(HttpExchange ex, String tx) {
        StagedWrite w = prepared.take(tx);
        if (w != null) {
            w.close();
        }
        respond(ex, 204, "");
    }

    private void chunkState(HttpExchange ex, String objectName) throws IOException {
        ObjectNames.ChunkObject c = ObjectNames.parse(objectName)
                .orElseThrow(() -> new IllegalArgumentException("'" + objectName + "' is not a chunk object"));
        store.touch(objectName);
        Map<String, Object> answer = new HashMap<>();
        answer.put("chunk", store.meta(objectName).orElse(null));
        answer.put("plain", store.meta(c.chunkName()).orElse(null));
        respondJson(ex, 200, answer);
    }

    private void meta(HttpExchange ex, String name) throws IOException {
        Optional<ObjectMeta> m = store.meta(name);
        if (m.isEmpty()) {
            respond(ex, 404, "no object " + name);
        } else {
            respondJson(ex, 200, m.get());
        }
    }

    private void get(HttpExchange ex, String name, boolean headOnly) throws IOException {
        ObjectReader reader;
        try {
            reader = store.read(name);
        } catch (NoSuchFileException e) {
            respond(ex, 404, "no object " + name);
            return;
        }
        try (reader) {
            ObjectMeta m = reader.meta();
            stamp(ex, 200);
            ex.getResponseHeaders().set(PeerHeaders.VERSION, Long.toString(m.version()));
            ex.getResponseHeaders().set(PeerHeaders.MODIFIED, Long.toString(m.modifiedMillis()));
            ex.getResponseHeaders().set(PeerHeaders.SHA256, m.sha256());
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            if (headOnly) {
                ex.getResponseHeaders().set("Content-Length", Long.toString(m.size()));
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, m.size() == 0 ? -1 : m.size());
            OutputStream out = ex.getResponseBody();
            reader.copyTo(out, 0, m.size());
            out.close();
        }
    }

    /**
     * With a version this records a replica's tombstone, even for an unknown name, so deletes
     * travel too; without one it is a client's delete forwarded to us, the owner.
     */
    private void delete(HttpExchange ex, String name) throws IOException {
        Long version = longHeader(ex, PeerHeaders.VERSION);
        Long modified = longHeader(ex, PeerHeaders.MODIFIED);
        Optional<ObjectMeta> meta = version == null ? owner.delete(name)
                : Optional.of(store.delete(name, version, modified != null ? modified : clock.wallMillis()));
        if (meta.isEmpty()) {
            respond(ex, 404, "no object " + name);
        } else {
            respondJson(ex, 200, meta.get());
        }
    }

    private void list(HttpExchange ex) throws IOException {
        long[] range = PeerParams.range(PeerParams.query(ex.getRequestURI().getRawQuery()));
        List<ObjectMeta> out = new ArrayList<>();
        for (ObjectMeta m : store.list()) {
            if (Ring.inOpenClosed(m.key(), range[0], range[1])) {
                out.add(m);
            }
        }
        respondJson(ex, 200, out);
    }

    private void digest(HttpExchange ex) throws IOException {
        Map<String, String> query = PeerParams.query(ex.getRequestURI().getRawQuery());
        long[] range = PeerParams.range(query);
        int buckets = PeerParams.buckets(query);
        respondJson(ex, 200, RangeDigest.of(store.list(), range[0], range[1], buckets));
    }

    private void notifyJoin(HttpExchange ex) throws IOException {
        JsonNode body;
        try (InputStream in = ex.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_JSON_BYTES + 1);
            if (bytes.length > MAX_JSON_BYTES) {
                throw new IllegalArgumentException("request body too large");
            }
            body = PeerHeaders.JSON.readTree(bytes);
        }
        if (body == null || !body.path("ip").isTextual() || !body.path("port").canConvertToInt()
                || !body.path("id").canConvertToLong()) {
            throw new IllegalArgumentException("expected {\"ip\": str, \"port\": int, \"id\": int}");
        }
        NodeRef node = new NodeRef(body.get("ip").asText(), body.get("port").asInt(), body.get("id").asLong());
        List<String> files = handover.handOver(node);
        respondJson(ex, 200, Map.of("files", files));
    }

    private static Long longHeader(HttpExchange ex, String name) {
        return PeerParams.number(name, ex.getRequestHeaders().getFirst(name));
    }

    /** Puts this node's clock, and to a proven request the proof of this answer, on an answer. */
    private void stamp(HttpExchange ex, int status) {
        ex.getResponseHeaders().set(PeerHeaders.CLOCK, Long.toString(clock.now()));
        String proof = ex.getAttribute(PROVEN) == null ? null
                : secret.proveReply(ex.getRequestHeaders().getFirst(PeerHeaders.PROOF), PeerHeaders.replyClaim(status));
        if (proof != null) {
            ex.getResponseHeaders().set(PeerHeaders.PROOF, proof);
        }
    }

    private void respondJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = PeerHeaders.JSON.writeValueAsBytes(body);
        stamp(ex, status);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private void respond(HttpExchange ex, int status, String message) {
        try {
            stamp(ex, status);
            if (status == 204) {
                ex.sendResponseHeaders(204, -1);
                return;
            }
            byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
        } catch (IOException | IllegalStateException alreadyAnswered) {
            // Headers were already sent (a failure mid-stream): closing the exchange aborts it.
        }
    }
}
