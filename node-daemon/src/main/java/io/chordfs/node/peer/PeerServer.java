package io.chordfs.node.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.chord.ClusterSecret;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.RangeDigest;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import io.chordfs.node.store.StoreFullException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
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
 * GET    /objects?from=A&amp;to=B  -> metadata of objects with keys in (A, B], tombstones included
 * GET    /digest?from=A&amp;to=B&amp;buckets=N -> N bucket digests of (A, B] (see RangeDigest)
 * POST   /notify_join_system {"ip","port","id"} -> {"files": [names handed to the new node]}
 * </pre>
 */
public final class PeerServer implements AutoCloseable {
    /** Writes that this node makes as the owner of a name: it versions and replicates them. */
    public interface OwnerWrites {
        /**
         * Versions, commits and replicates {@code staged} itself, so that {@link StagedWrite#created}
         * tells afterwards what the commit did; returns the metadata now stored.
         */
        ObjectMeta write(StagedWrite staged) throws IOException;

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

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final ObjectStore store;
    private final OwnerWrites owner;
    private final Handover handover;
    private final BooleanSupplier member;
    private final ClusterSecret secret;

    private PeerServer(HttpServer server, ThreadPoolExecutor pool, ObjectStore store, OwnerWrites owner,
                       Handover handover, BooleanSupplier member, String secret) {
        this.member = member;
        this.server = server;
        this.pool = pool;
        this.store = store;
        this.owner = owner;
        this.handover = handover;
        this.secret = ClusterSecret.of(secret);
    }

    /**
     * @param member whether this node is a ring member now; a node that is not (still joining,
     *               or leaving) refuses listings, so no peer counts its copies as held
     */
    public static PeerServer start(InetSocketAddress bind, ObjectStore store, OwnerWrites owner, Handover handover,
                                   BooleanSupplier member, String clusterSecret, int threads) throws IOException {
        HttpServer http = HttpServer.create(bind, 64);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "peer-http-" + bind.getHostString());
                    t.setDaemon(true);
                    return t;
                });
        PeerServer s = new PeerServer(http, pool, store, owner, handover, member, clusterSecret);
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
    }

    private void handle(HttpExchange ex) {
        try {
            if (!authorized(ex)) {
                respond(ex, 403, "a cluster secret is required");
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            if (path.equals(PeerHeaders.NOTIFY_JOIN) && method.equals("POST")) {
                notifyJoin(ex);
            } else if ((path.equals(PeerHeaders.OBJECTS) || path.equals(PeerHeaders.DIGEST)) && !member.getAsBoolean()) {
                respond(ex, 503, "not a ring member: this node's copies do not count");
            } else if (path.equals(PeerHeaders.OBJECTS) && method.equals("GET")) {
                list(ex);
            } else if (path.equals(PeerHeaders.DIGEST) && method.equals("GET")) {
                digest(ex);
            } else if (path.startsWith(PeerHeaders.OBJECTS + "/")) {
                String name = PercentCodec.decodeName(path.substring(PeerHeaders.OBJECTS.length() + 1));
                switch (method) {
                    case "PUT" -> put(ex, name);
                    case "GET", "HEAD" -> get(ex, name, method.equals("HEAD"));
                    case "DELETE" -> delete(ex, name);
                    default -> respond(ex, 405, "method not allowed");
                }
            } else {
                respond(ex, 404, "no such endpoint");
            }
        } catch (IllegalArgumentException e) {
            respond(ex, 400, e.getMessage());
        } catch (StoreFullException e) {
            respond(ex, 507, e.getMessage());
        } catch (RingUnavailableException e) {
            respond(ex, 503, e.getMessage());
        } catch (CorruptObjectException e) {
            respond(ex, 422, e.getMessage());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "peer " + server.getAddress() + ": " + ex.getRequestMethod() + " "
                    + ex.getRequestURI() + " failed: " + e.getMessage());
            respond(ex, 500, e.getMessage());
        } finally {
            ex.close();
        }
    }

    private boolean authorized(HttpExchange ex) {
        return secret.admits(ex.getRequestHeaders().getFirst(PeerHeaders.SECRET));
    }

    private void put(HttpExchange ex, String name) throws IOException {
        Long version = longHeader(ex, PeerHeaders.VERSION);
        Long modified = longHeader(ex, PeerHeaders.MODIFIED);
        String sha = PeerParams.sha256(ex.getRequestHeaders().getFirst(PeerHeaders.SHA256));
        ObjectMeta meta;
        boolean created;
        try (StagedWrite w = store.stage(name); InputStream in = ex.getRequestBody()) {
            String crcs = ex.getRequestHeaders().getFirst(BlockCrcs.HEADER);
            if (version != null && sha != null && crcs != null) {
                w.trustChecksums(sha, BlockCrcs.parse(crcs));
            }
            in.transferTo(w.out());
            if (version != null) {
                meta = w.commit(version, modified != null ? modified : System.currentTimeMillis(), sha);
            } else {
                // A client's write forwarded to us, the owner: we version and replicate it.
                if (sha != null && !sha.equals(w.sha256())) {
                    throw new CorruptObjectException(name + " arrived with SHA-256 " + w.sha256() + ", not " + sha);
                }
                meta = owner.write(w);
            }
            created = w.created();
        }
        if (created) {
            ex.getResponseHeaders().set(PeerHeaders.CREATED, "1");
        }
        respondJson(ex, 200, meta);
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
                : Optional.of(store.delete(name, version, modified != null ? modified : System.currentTimeMillis()));
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

    private static void respondJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = PeerHeaders.JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void respond(HttpExchange ex, int status, String message) {
        try {
            byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
        } catch (IOException | IllegalStateException alreadyAnswered) {
            // Headers were already sent (a failure mid-stream): closing the exchange aborts it.
        }
    }
}
