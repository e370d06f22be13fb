package io.chordfs.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.chordfs.core.chord.ClusterSecret;
import io.chordfs.core.chord.RefusalLog;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.peer.PeerHeaders;
import io.chordfs.node.peer.PeerParams;
import io.chordfs.node.peer.PercentCodec;
import io.chordfs.node.peer.RingUnavailableException;
import io.chordfs.node.peer.Statuses;
import io.chordfs.node.route.OwnerWrites;
import io.chordfs.node.route.WriteStream;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.Pieces;
import io.chordfs.node.store.RangeDigest;
import io.chordfs.node.store.StagedWrite;
import io.chordfs.node.store.TooLargeException;
import io.chordfs.node.store.VersionClock;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The node-to-node endpoint (port 5059): object transfer with metadata, listings by key range,
 * and the teaching design's {@code POST /notify_join_system}. With a cluster secret, every call
 * must carry it.
 *
 * <pre>
 * PUT    /objects/NAME   body = bytes; X-ChordFS-Version/-Modified/-Sha256 optional  -> 200 meta JSON,
 *                        with X-ChordFS-Created: 1 when the write made the name live and
 *                        X-ChordFS-Sha256 of the body received; without a version or a SHA-256 it is
 *                        a client's write forwarded while the client sends it (X-ChordFS-Crc32c:
 *                        the client's block CRCs, checked), replicated as it arrives
 * GET    /objects/NAME   -> 200 bytes with X-ChordFS-Version/-Modified/-Sha256, or 404
 * DELETE /objects/NAME   X-ChordFS-Version optional -> 200 tombstone meta JSON, or 404
 * PUT    /objects/NAME?prepare=TX  body = bytes -> 200 {"current": meta or null}: the bytes are held
 *                        uncommitted (the first phase of an owner's write, streamed while the owner
 *                        receives them); their block CRC32Cs are computed as they arrive
 * POST   /prepared/TX    X-ChordFS-Version/-Modified, body {"sha256", "crcs": [block CRC32Cs]}, the
 *                        owner's digests of the whole content -> 200 meta JSON now stored; 422 (and
 *                        discarded) when they do not match what arrived; 404 (expired)
 * DELETE /prepared/TX    -> 204: the held bytes are discarded
 * GET    /meta/NAME      -> 200 meta JSON (tombstones too), or 404
 * GET    /chunk-state/CHUNK_OBJECT -> 200 {"chunk": meta or null, "plain": meta of its chunk name or null};
 *                        marks the chunk object as looked at (a manifest about to name it)
 * GET    /objects?from=A&amp;to=B  -> metadata of objects with keys in (A, B], tombstones included
 * GET    /digest?from=A&amp;to=B&amp;buckets=N -> N bucket digests of (A, B] (see RangeDigest)
 * POST   /notify_join_system {"ip","port","id"} -> {"files": [names handed to the new node]}
 * </pre>
 * Every request and answer carries {@code X-ChordFS-Clock}, the sender's {@link VersionClock}
 * reading, and each side moves its clock past the other's. Bodies are written to the store as
 * they arrive and answers are streamed, on an {@link HttpHost}: a stuck or slow peer costs its own
 * requests their timeouts, never a thread of this node.
 */
public final class PeerServer implements HttpHost.HttpHandler, AutoCloseable {
    /** What a node does when told that another node joined in front of it: the names it handed over. */
    @FunctionalInterface
    public interface Handover {
        List<String> handOver(NodeRef newNode) throws IOException;
    }

    private static final System.Logger LOG = System.getLogger(PeerServer.class.getName());
    private static final int MAX_JSON_BYTES = 64 * 1024;
    /** The digests of a commit: about 12 bytes per 1 MiB block, so objects up to about 170 GiB. */
    private static final int MAX_DIGESTS_BYTES = 2 << 20;

    private final HttpHost host;
    private final ObjectStore store;
    private final OwnerWrites owner;
    private final Handover handover;
    private final BooleanSupplier member;
    private final ClusterSecret secret;
    private final NodeRef self;
    private final VersionClock clock;
    private final PreparedWrites prepared;
    private final RefusalLog refusals;

    private PeerServer(InetSocketAddress bind, HostLimits limits, EventLoopGroup group, ObjectStore store,
                       OwnerWrites owner, Handover handover, BooleanSupplier member, ClusterSecret secret, NodeRef self)
            throws IOException {
        this.self = self;
        this.member = member;
        this.store = store;
        this.owner = owner;
        this.handover = handover;
        this.secret = secret;
        this.clock = store.clock();
        this.prepared = new PreparedWrites(bind.getHostString());
        this.refusals = new RefusalLog(self.toString());
        try {
            this.host = HttpHost.start("peer-" + bind.getPort(), bind, limits, this, group);
        } catch (IOException | RuntimeException e) {
            prepared.close();
            throw e;
        }
    }

    /**
     * @param member whether this node is a ring member now; a node that is not (still joining,
     *               or leaving) refuses listings, so no peer counts its copies as held
     * @param clusterSecret what every request must prove it holds (and every answer proves)
     * @param self this node as the ring knows it: what proofs of requests to it name
     * @param group the event loops to serve on, or null for one of its own
     */
    public static PeerServer start(InetSocketAddress bind, HostLimits limits, EventLoopGroup group, ObjectStore store,
                                   OwnerWrites owner, Handover handover, BooleanSupplier member,
                                   ClusterSecret clusterSecret, NodeRef self) throws IOException {
        return new PeerServer(bind, limits, group, store, owner, handover, member, clusterSecret, self);
    }

    public InetSocketAddress address() {
        return host.address();
    }

    /** Counts this port's traffic with {@code o} (metrics). */
    public void observe(HttpHost.Observer o) {
        host.observe(o);
    }

    @Override
    public void close() {
        host.close();
        prepared.close();
    }

    @Override
    public void handle(Exchange x) throws IOException {
        String problem = authorization(x);
        if (problem != null) {
            refusals.refused(x.remote().getAddress().getHostAddress(), x.method() + " " + x.rawPath(), problem,
                    clock.wallMillis());
            error(x, 403, "a proof of the cluster secret is required");
            return;
        }
        x.attach(Proven.YES);
        Long theirs = longHeader(x, PeerHeaders.CLOCK);
        if (theirs != null) {
            clock.observePeer(theirs);
        }
        String path = x.rawPath();
        String method = x.methodUpper();
        Map<String, String> query = PeerParams.query(x.rawQuery());
        if (path.equals(PeerHeaders.NOTIFY_JOIN) && method.equals("POST")) {
            notifyJoin(x);
        } else if ((path.equals(PeerHeaders.OBJECTS) || path.equals(PeerHeaders.DIGEST)) && !member.getAsBoolean()) {
            error(x, 503, "not a ring member: this node's copies do not count");
        } else if (path.equals(PeerHeaders.OBJECTS) && method.equals("GET")) {
            list(x);
        } else if (path.equals(PeerHeaders.DIGEST) && method.equals("GET")) {
            digest(x);
        } else if (path.startsWith(PeerHeaders.PREPARED + "/")) {
            String tx = PeerParams.tx(path.substring(PeerHeaders.PREPARED.length() + 1));
            switch (method) {
                case "POST" -> commitPrepared(x, tx);
                case "DELETE" -> abortPrepared(x, tx);
                default -> error(x, 405, "method not allowed");
            }
        } else if (path.startsWith(PeerHeaders.CHUNK_STATE + "/") && method.equals("GET")) {
            chunkState(x, PercentCodec.decodeObjectName(path.substring(PeerHeaders.CHUNK_STATE.length() + 1)));
        } else if (path.startsWith(PeerHeaders.META + "/") && method.equals("GET")) {
            meta(x, PercentCodec.decodeObjectName(path.substring(PeerHeaders.META.length() + 1)));
        } else if (path.startsWith(PeerHeaders.OBJECTS + "/")) {
            String name = PercentCodec.decodeObjectName(path.substring(PeerHeaders.OBJECTS.length() + 1));
            String tx = query.get(PeerHeaders.PREPARE);
            switch (method) {
                case "PUT" -> {
                    if (tx != null) {
                        prepare(x, name, PeerParams.tx(tx));
                    } else {
                        put(x, name);
                    }
                }
                case "GET", "HEAD" -> get(x, name, method.equals("HEAD"));
                case "DELETE" -> delete(x, name);
                default -> error(x, 405, "method not allowed");
            }
        } else {
            error(x, 404, "no such endpoint");
        }
    }

    /** Marks an exchange whose request proved the cluster secret: only then is the answer proven. */
    private enum Proven { YES }

    /** What is wrong with the request's proof of the cluster secret, or null when it holds (or none is needed). */
    private String authorization(Exchange x) {
        String q = x.rawQuery();
        String claim = PeerHeaders.claim(x.method(), x.rawPath() + (q == null ? "" : "?" + q), self);
        return secret.problem(claim, x.header(PeerHeaders.PROOF), clock.wallMillis());
    }

    /**
     * A replica's copy (with a version) or a client's write forwarded to us, the owner (without):
     * passed on to the replica set as it arrives when it comes without a SHA-256 (see
     * {@link #forwarded}), else received whole and checked against it first.
     */
    private void put(Exchange x, String name) throws IOException {
        Long version = longHeader(x, PeerHeaders.VERSION);
        Long modified = longHeader(x, PeerHeaders.MODIFIED);
        String sha = PeerParams.sha256(x.header(PeerHeaders.SHA256));
        String crcs = x.header(BlockCrcs.HEADER);
        if (version == null && sha == null && x.contentLength().isPresent()) {
            forwarded(x, name, crcs == null ? null : BlockCrcs.parse(crcs), x.contentLength().getAsLong());
            return;
        }
        StagedWrite w = staged(name, version != null ? sha : null, crcs);
        x.readBody(new Sink(w) {
            @Override
            public void end() throws IOException {
                Committed done;
                try (w) {
                    w.out().close();
                    if (version != null) {
                        ObjectMeta meta = w.commit(version, modified != null ? modified : clock.wallMillis(), sha);
                        done = new Committed(meta, w.created());
                    } else {
                        if (sha != null && !sha.equals(w.sha256())) {
                            throw new CorruptObjectException(name + " arrived with SHA-256 " + w.sha256() + ", not " + sha);
                        }
                        done = owner.write(w);
                    }
                }
                stored(x, done, w.sha256());
            }
        });
    }

    /**
     * A client's write that another node passes on to us, the owner, while the client sends it:
     * replicated as it arrives ({@link OwnerWrites#begin}), checked against the client's block
     * CRC32Cs when they come along. The sender paces the body; when a replica or the disk is
     * slower, the body is paused, and with it the sender and its client.
     */
    private void forwarded(Exchange x, String name, List<Long> crcs, long length) throws IOException {
        StagedWrite w = store.stage(name);
        WriteStream stream;
        try {
            if (crcs != null) {
                w.expectBlockCrcs(crcs);
            }
            stream = owner.begin(w, length);
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
        StagedBody.stream(x, name, Long.MAX_VALUE, stream, s -> stored(x, s.finish(), s.bodySha256()));
    }

    /** The answer to a PUT: what is stored now, whether the write made the name live, and the SHA-256 of the body received. */
    private void stored(Exchange x, Committed done, String bodySha) throws IOException {
        if (done.created()) {
            x.answerHeaders().set(PeerHeaders.CREATED, "1");
        }
        x.answerHeaders().set(PeerHeaders.SHA256, bodySha);
        json(x, 200, done.meta());
    }

    /**
     * The first phase of an owner's write: receives the bytes, holds them uncommitted, and answers
     * with this node's current metadata of the name, so the owner can pick a version above it. The
     * owner streams them as it receives them, so it vouches for them only at the commit; a sender
     * that knows the SHA-256 already may send it (and the block CRCs) here, to be checked at once.
     */
    private void prepare(Exchange x, String name, String tx) throws IOException {
        String sha = PeerParams.sha256(x.header(PeerHeaders.SHA256));
        StagedWrite w = staged(name, sha, x.header(BlockCrcs.HEADER));
        if (sha == null) {
            w.deferChecksums();
        }
        x.readBody(new Sink(w) {
            @Override
            public void end() throws IOException {
                try {
                    w.out().close();
                    if (sha != null && !sha.equals(w.sha256())) {
                        throw new CorruptObjectException(name + " arrived with SHA-256 " + w.sha256() + ", not " + sha);
                    }
                    if (!prepared.hold(tx, w)) {
                        throw new RingUnavailableException(address().getHostString() + " holds "
                                + prepared.size() + " prepared writes already (or the id " + tx + " is taken); try again");
                    }
                } catch (IOException | RuntimeException e) {
                    w.close();
                    throw e;
                }
                Map<String, Object> answer = new HashMap<>();
                answer.put("current", store.meta(name).orElse(null));
                json(x, 200, answer);
            }
        });
    }

    /** A staged write for {@code name}; with the sender's checksums (sha and block CRCs), they are trusted, not recomputed. */
    private StagedWrite staged(String name, String sha, String crcs) throws IOException {
        StagedWrite w = store.stage(name);
        try {
            if (sha != null && crcs != null) {
                w.trustChecksums(sha, BlockCrcs.parse(crcs));
            }
            return w;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /** A body written into a staged write as it arrives; the write is discarded if the body fails. */
    private abstract static class Sink implements Exchange.BodySink {
        final StagedWrite w;
        final StagedBody body;

        Sink(StagedWrite w) {
            this.w = w;
            this.body = StagedBody.into(w, Long.MAX_VALUE);
        }

        @Override
        public void data(ByteBuf bytes) throws IOException {
            body.write(bytes);
        }

        @Override
        public void failed(Throwable cause) {
            w.close();
        }
    }

    /** The second phase: checks the held bytes against the owner's digests and commits them as its version. */
    private void commitPrepared(Exchange x, String tx) throws IOException {
        Long version = longHeader(x, PeerHeaders.VERSION);
        Long modified = longHeader(x, PeerHeaders.MODIFIED);
        if (version == null) {
            throw new IllegalArgumentException(PeerHeaders.VERSION + " is required to commit");
        }
        readJson(x, MAX_DIGESTS_BYTES, digests -> {
            StagedWrite w = prepared.take(tx);
            if (w == null) {
                error(x, 404, "no prepared write " + tx + " (expired, or never received)");
                return;
            }
            ObjectMeta meta;
            try (w) {
                if (digests != null && digests.isObject()) {
                    String sha = PeerParams.sha256(digests.path("sha256").asText(null));
                    if (sha == null || !digests.path("crcs").isArray()) {
                        throw new IllegalArgumentException("expected {\"sha256\": hex, \"crcs\": [int]}");
                    }
                    List<Long> crcs = new ArrayList<>();
                    digests.get("crcs").forEach(c -> crcs.add(c.asLong()));
                    w.vouch(sha, crcs);
                }
                meta = w.commit(version, modified != null ? modified : clock.wallMillis(), null);
            }
            json(x, 200, meta);
        });
    }

    private void abortPrepared(Exchange x, String tx) {
        StagedWrite w = prepared.take(tx);
        if (w != null) {
            w.close();
        }
        stamp(x, 204);
        x.respondEmpty(204, -1);
    }

    private void chunkState(Exchange x, String objectName) throws IOException {
        ObjectNames.ChunkObject c = ObjectNames.parse(objectName)
                .orElseThrow(() -> new IllegalArgumentException("'" + objectName + "' is not a chunk object"));
        store.touch(objectName);
        Map<String, Object> answer = new HashMap<>();
        answer.put("chunk", store.meta(objectName).orElse(null));
        answer.put("plain", store.meta(c.chunkName()).orElse(null));
        json(x, 200, answer);
    }

    private void meta(Exchange x, String name) throws IOException {
        Optional<ObjectMeta> m = store.meta(name);
        if (m.isEmpty()) {
            error(x, 404, "no object " + name);
        } else {
            json(x, 200, m.get());
        }
    }

    private void get(Exchange x, String name, boolean headOnly) throws IOException {
        ObjectReader reader;
        try {
            reader = store.read(name);
        } catch (NoSuchFileException e) {
            error(x, 404, "no object " + name);
            return;
        }
        ObjectMeta m = reader.meta();
        stamp(x, 200);
        x.answerHeaders().set(PeerHeaders.VERSION, Long.toString(m.version()));
        x.answerHeaders().set(PeerHeaders.MODIFIED, Long.toString(m.modifiedMillis()));
        x.answerHeaders().set(PeerHeaders.SHA256, m.sha256());
        x.answerHeaders().set("Content-Type", "application/octet-stream");
        if (headOnly || m.size() == 0) {
            reader.close();
            x.respondEmpty(200, m.size());
            return;
        }
        Pieces pieces;
        try {
            pieces = reader.piecesClosingSource(0, m.size());
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
        x.stream(200, m.size(), m.blockSize(), pieces, new Exchange.StreamFailure() {
            @Override
            public void beforeStart(Exchange ex, Throwable e) {
                // the status line is not out: a damaged copy is answered as such, not sent
                ex.answerHeaders().remove(PeerHeaders.VERSION);
                ex.answerHeaders().remove(PeerHeaders.MODIFIED);
                ex.answerHeaders().remove(PeerHeaders.SHA256);
                error(ex, Statuses.of(e), String.valueOf(e.getMessage()));
            }

            @Override
            public void afterStart(long sent, Throwable e) {
                LOG.log(System.Logger.Level.WARNING, "peer {0}: GET {1} failed after {2} bytes; connection dropped: {3}",
                        address(), name, sent, e.getMessage());
            }
        });
    }

    /**
     * With a version this records a replica's tombstone, even for an unknown name, so deletes
     * travel too; without one it is a client's delete forwarded to us, the owner.
     */
    private void delete(Exchange x, String name) throws IOException {
        Long version = longHeader(x, PeerHeaders.VERSION);
        Long modified = longHeader(x, PeerHeaders.MODIFIED);
        Optional<ObjectMeta> meta = version == null ? owner.delete(name)
                : Optional.of(store.delete(name, version, modified != null ? modified : clock.wallMillis()));
        if (meta.isEmpty()) {
            error(x, 404, "no object " + name);
        } else {
            json(x, 200, meta.get());
        }
    }

    private void list(Exchange x) throws IOException {
        long[] range = PeerParams.range(PeerParams.query(x.rawQuery()));
        List<ObjectMeta> out = new ArrayList<>();
        for (ObjectMeta m : store.list()) {
            if (Ring.inOpenClosed(m.key(), range[0], range[1])) {
                out.add(m);
            }
        }
        json(x, 200, out);
    }

    private void digest(Exchange x) throws IOException {
        Map<String, String> query = PeerParams.query(x.rawQuery());
        long[] range = PeerParams.range(query);
        int buckets = PeerParams.buckets(query);
        json(x, 200, RangeDigest.of(store.list(), range[0], range[1], buckets));
    }

    private void notifyJoin(Exchange x) {
        readJson(x, MAX_JSON_BYTES, body -> {
            if (body == null || !body.path("ip").isTextual() || !body.path("port").canConvertToInt()
                    || !body.path("id").canConvertToLong()) {
                throw new IllegalArgumentException("expected {\"ip\": str, \"port\": int, \"id\": int}");
            }
            NodeRef node = new NodeRef(body.get("ip").asText(), body.get("port").asInt(), body.get("id").asLong());
            json(x, 200, Map.of("files", handover.handOver(node)));
        });
    }

    /** What to do with a request's JSON body (null when it has none). */
    private interface JsonBody {
        void accept(JsonNode body) throws IOException;
    }

    /** Reads a JSON body of at most {@code max} bytes, then hands it on. */
    private static void readJson(Exchange x, int max, JsonBody then) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        x.readBody(new Exchange.BodySink() {
            @Override
            public void data(ByteBuf b) throws IOException {
                if (bytes.size() + b.readableBytes() > max) {
                    throw new TooLargeException("request body too large");
                }
                b.readBytes(bytes, b.readableBytes());
            }

            @Override
            public void end() throws IOException {
                then.accept(bytes.size() == 0 ? null : PeerHeaders.JSON.readTree(bytes.toByteArray()));
            }

            @Override
            public void failed(Throwable cause) {
            }
        });
    }

    private static Long longHeader(Exchange x, String name) {
        return PeerParams.number(name, x.header(name));
    }

    /** Puts this node's clock, and to a proven request the proof of this answer, on an answer. */
    private void stamp(Exchange x, int status) {
        x.answerHeaders().set(PeerHeaders.CLOCK, Long.toString(clock.now()));
        String proof = x.attachment() != Proven.YES ? null
                : secret.proveReply(x.header(PeerHeaders.PROOF), PeerHeaders.replyClaim(status));
        if (proof != null) {
            x.answerHeaders().set(PeerHeaders.PROOF, proof);
        }
    }

    private void json(Exchange x, int status, Object body) throws IOException {
        byte[] bytes = PeerHeaders.JSON.writeValueAsBytes(body);
        stamp(x, status);
        x.respond(status, "application/json", bytes);
    }

    /** Errors are plain text, stamped like every answer. */
    @Override
    public void error(Exchange x, int status, String message) {
        stamp(x, status);
        if (x.hasBody()) {
            x.answerHeaders().set("Connection", "close");
        }
        x.respond(status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
