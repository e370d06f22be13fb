package io.chordfs.node.peer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.chordfs.core.chord.ClusterSecret;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.net.HttpPut;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.Pieces;
import io.chordfs.node.store.StoreFullException;
import io.chordfs.node.store.VersionClock;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** Calls another node's transfer endpoint (port 5059). Every call has a timeout. */
public final class PeerClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    /** The JSON answer to a PUT is one object's metadata; anything longer is cut. */
    private static final int MAX_ANSWER_BYTES = 1 << 20;
    private final HttpClient http;
    private final ClusterSecret secret;
    private final Duration callTimeout;
    private final long minBytesPerSecond;
    private final VersionClock clock;

    /**
     * @param clusterSecret every call carries a proof of it, and every answer must carry one
     *     ({@link ClusterSecret#NONE}: none)
     * @param clock this node's clock: every call carries it, and every answer advances it
     */
    public PeerClient(ClusterSecret clusterSecret, VersionClock clock) {
        this(clusterSecret, clock, CALL_TIMEOUT, HttpPut.MIN_BYTES_PER_SECOND);
    }

    /** With other timeouts (tests): a call's wait for its answer, and the slowest rate a PUT body may go at. */
    PeerClient(ClusterSecret clusterSecret, VersionClock clock, Duration callTimeout, long minBytesPerSecond) {
        this.clock = clock;
        this.callTimeout = callTimeout;
        this.minBytesPerSecond = minBytesPerSecond;
        this.secret = java.util.Objects.requireNonNull(clusterSecret, "clusterSecret");
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
    }

    /**
     * Stores {@code file} as {@code name} on {@code node}, as a new write that the node (the
     * owner) gives a version; the node refuses the bytes (422) unless they have {@code sha256}.
     * The owner's refusals come back as the exceptions its answer stands for (see {@link #put}).
     */
    public Committed put(NodeRef node, String name, Path file, long size, String sha256) throws IOException {
        return put(node, objectPath(name), name, size, Map.of(PeerHeaders.SHA256, sha256), HttpPut.Body.of(file, size));
    }

    /** What the owner did with a write forwarded to it, and the SHA-256 of the body as it received it. */
    public record Forwarded(Committed committed, String bodySha256) {}

    /**
     * Forwards a client's write of {@code size} bytes to {@code node}, its owner, with the body
     * made while it is sent (see {@link #prepare}); the owner refuses bytes that do not match
     * {@code blockCrcs} (nullable: none to check) with 422.
     */
    public Forwarded forward(NodeRef node, String name, long size, List<Long> blockCrcs, HttpPut.Body body)
            throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        if (blockCrcs != null) {
            BlockCrcs.header(blockCrcs).ifPresent(v -> headers.put(BlockCrcs.HEADER, v));
        }
        HttpPut.Answer a = send(node, objectPath(name), "forwarding " + name, size, headers, body, true);
        if (a.code() != 200) {
            throw refusal(node, "store " + name, a.code(), a.body());
        }
        Committed c = new Committed(PeerHeaders.JSON.readValue(a.body(), ObjectMeta.class),
                a.header(PeerHeaders.CREATED).isPresent());
        String sha = a.header(PeerHeaders.SHA256).filter(HttpPut::isSha256Hex)
                .orElseThrow(() -> new IOException(node + " stored " + name + " without saying the SHA-256 of the body"));
        return new Forwarded(c, sha);
    }

    /**
     * The first phase of an owner's write: sends {@code size} bytes from {@code body} to a replica,
     * which holds them under {@code tx} uncommitted, computing their block CRC32Cs as they arrive.
     * The body may be made while it is sent (the owner passing an upload on as it receives it): its
     * pace is not bounded, but the replica must take each write within the call timeout. Returns
     * the replica's current metadata of the name (empty when it has none).
     */
    public Optional<ObjectMeta> prepare(NodeRef node, String name, String tx, long size, HttpPut.Body body)
            throws IOException {
        HttpPut.Answer a = send(node, objectPath(name) + "?" + PeerHeaders.PREPARE + "=" + tx, "preparing " + name,
                size, Map.of(), body, true);
        if (a.code() != 200) {
            throw refusal(node, "prepare " + name, a.code(), a.body());
        }
        return metaIn(PeerHeaders.JSON.readTree(a.body()).path("current"));
    }

    /**
     * The second phase: the replica commits what it holds under {@code tx} as {@code version},
     * once the digests the owner computed of the whole content ({@code sha256}, {@code blockCrcs})
     * match what it received (else 422, and it discards them); returns what it now stores.
     */
    public ObjectMeta commitPrepared(NodeRef node, String name, String tx, long version, long modifiedMillis,
                                     String sha256, List<Long> blockCrcs) throws IOException {
        byte[] digests = PeerHeaders.JSON.writeValueAsBytes(Map.of("sha256", sha256, "crcs", blockCrcs));
        HttpRequest req = request(node, PeerHeaders.PREPARED + "/" + tx).timeout(callTimeout)
                .header(PeerHeaders.VERSION, Long.toString(version))
                .header(PeerHeaders.MODIFIED, Long.toString(modifiedMillis))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(digests)).build();
        HttpResponse<String> r = send(node, req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw refusal(node, "commit " + name, r.statusCode(), r.body());
        }
        return PeerHeaders.JSON.readValue(r.body(), ObjectMeta.class);
    }

    /** Tells a replica to discard what it holds under {@code tx} (best effort: it expires anyway). */
    public void abortPrepared(NodeRef node, String tx) throws IOException {
        HttpRequest req = request(node, PeerHeaders.PREPARED + "/" + tx).timeout(callTimeout).DELETE().build();
        send(node, req, HttpResponse.BodyHandlers.discarding());
    }

    /** A node's copies of a chunk object and of the plain object under its chunk name. */
    public record ChunkState(Optional<ObjectMeta> chunk, Optional<ObjectMeta> plain) {}

    /** What {@code node} holds of chunk object {@code objectName}; the node notes the look (see ObjectStore#touch). */
    public ChunkState chunkState(NodeRef node, String objectName) throws IOException {
        HttpRequest req = request(node, PeerHeaders.CHUNK_STATE + "/" + PercentCodec.quote(objectName))
                .timeout(callTimeout).GET().build();
        HttpResponse<String> r = send(node, req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw refusal(node, "describe " + objectName, r.statusCode(), r.body());
        }
        JsonNode n = PeerHeaders.JSON.readTree(r.body());
        return new ChunkState(metaIn(n.path("chunk")), metaIn(n.path("plain")));
    }

    private static Optional<ObjectMeta> metaIn(JsonNode n) throws IOException {
        return n.isObject() ? Optional.of(PeerHeaders.JSON.treeToValue(n, ObjectMeta.class)) : Optional.empty();
    }

    /** {@code node}'s metadata of {@code name}, tombstones included; empty when it has none. */
    public Optional<ObjectMeta> meta(NodeRef node, String name) throws IOException {
        HttpRequest req = request(node, PeerHeaders.META + "/" + PercentCodec.quote(name)).timeout(callTimeout).GET().build();
        HttpResponse<String> r = send(node, req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        if (r.statusCode() != 200) {
            throw refusal(node, "describe " + name, r.statusCode(), r.body());
        }
        return Optional.of(PeerHeaders.JSON.readValue(r.body(), ObjectMeta.class));
    }

    /**
     * Copies a stored object to {@code node} with its version, modification time and checksum;
     * the node keeps the newer of its copy and this one, and refuses bytes that do not match.
     */
    public ObjectMeta copy(NodeRef node, ObjectSource source) throws IOException {
        ObjectMeta m = source.meta();
        Map<String, String> headers = new LinkedHashMap<>();
        m.blockCrcHeader().ifPresent(v -> headers.put(BlockCrcs.HEADER, v));
        headers.put(PeerHeaders.VERSION, Long.toString(m.version()));
        headers.put(PeerHeaders.MODIFIED, Long.toString(m.modifiedMillis()));
        headers.put(PeerHeaders.SHA256, m.sha256());
        return put(node, objectPath(m.name()), m.name(), m.size(), headers, out -> source.copyTo(out, 0, m.size())).meta();
    }

    private Committed put(NodeRef node, String path, String name, long size, Map<String, String> headers,
                          HttpPut.Body body) throws IOException {
        HttpPut.Answer a = send(node, path, "storing " + name, size, headers, body, false);
        if (a.code() != 200) {
            throw refusal(node, "store " + name, a.code(), a.body());
        }
        return new Committed(PeerHeaders.JSON.readValue(a.body(), ObjectMeta.class), a.header(PeerHeaders.CREATED).isPresent());
    }

    /**
     * A PUT of {@code size} bytes; the whole exchange must end within the answer's wait plus the
     * time to send at the minimum rate, or when {@code paced} (a body made while it is sent) each
     * write must be taken within the answer's wait, and the answer come within that whole time
     * after the body's end (the receiver may fsync the body, or wait for its replicas, first).
     */
    private HttpPut.Answer send(NodeRef node, String pathAndQuery, String what, long size, Map<String, String> headers,
                                HttpPut.Body body, boolean paced) throws IOException {
        Map<String, String> all = new LinkedHashMap<>(headers);
        String proof = secret.prove(PeerHeaders.claim("PUT", pathAndQuery, node), clock.wallMillis());
        if (proof != null) {
            all.put(PeerHeaders.PROOF, proof);
        }
        all.put(PeerHeaders.CLOCK, Long.toString(clock.now()));
        String call = what + " on " + node;
        URI to = uri(node, pathAndQuery);
        HttpPut.Answer a = paced
                ? HttpPut.sendPaced(call, to, size, all, body, CONNECT_TIMEOUT, callTimeout,
                        HttpPut.deadline(callTimeout, size, minBytesPerSecond), MAX_ANSWER_BYTES)
                : HttpPut.send(call, to, size, all, body, CONNECT_TIMEOUT,
                        HttpPut.deadline(callTimeout, size, minBytesPerSecond), MAX_ANSWER_BYTES);
        checkReply(node, proof, a.code(), a.header(PeerHeaders.PROOF).orElse(null));
        a.header(PeerHeaders.CLOCK).ifPresent(this::observe);
        return a;
    }

    /** An answer from a node that does not prove it holds the cluster secret is not taken. */
    private void checkReply(NodeRef node, String requestProof, int status, String proof) throws IOException {
        if (!secret.verifyReply(requestProof, PeerHeaders.replyClaim(status), proof)) {
            throw new IOException(node + " answered " + status + " without proving it holds the cluster secret");
        }
    }

    /**
     * A peer's refusal as the failure it stands for, so the status reaches the client unchanged:
     * 503 retry later, 507 full, 409 a conflict with what is stored, 422 the bytes did not verify.
     */
    private static IOException refusal(NodeRef node, String what, int code, String body) {
        String why = body.strip();
        return Statuses.failure(code, switch (code) {
            case 409 -> why; // names the object and its file: the client's message as it is
            case 422 -> node + " refused " + what + ": the bytes did not verify: " + why;
            case 507 -> node + " is full: " + why;
            default -> node + " could not " + what + ": " + code + " " + why;
        });
    }

    private void observe(String clockHeader) {
        try {
            clock.observePeer(Long.parseLong(clockHeader.strip()));
        } catch (NumberFormatException ignored) {
            // a peer that sends no usable clock just does not move ours
        }
    }

    /** Writes a tombstone for {@code name} on {@code node}; null version lets the node pick. */
    public Optional<ObjectMeta> delete(NodeRef node, String name, Long version, Long modifiedMillis) throws IOException {
        HttpRequest.Builder b = request(node, objectPath(name)).timeout(callTimeout).DELETE();
        if (version != null) {
            b.header(PeerHeaders.VERSION, Long.toString(version));
        }
        if (modifiedMillis != null) {
            b.header(PeerHeaders.MODIFIED, Long.toString(modifiedMillis));
        }
        HttpResponse<String> r = send(node, b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        if (r.statusCode() != 200) {
            throw refusal(node, "delete " + name, r.statusCode(), r.body());
        }
        return Optional.of(PeerHeaders.JSON.readValue(r.body(), ObjectMeta.class));
    }

    /** Opens {@code name} on {@code node} for reading; empty when the node does not have it. */
    public Optional<ObjectSource> open(NodeRef node, String name) throws IOException {
        HttpRequest req = request(node, objectPath(name)).timeout(callTimeout).GET().build();
        HttpResponse<InputStream> r = send(node, req, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() == 404) {
            r.body().close();
            return Optional.empty();
        }
        if (r.statusCode() != 200) {
            String body = new String(r.body().readNBytes(1024), StandardCharsets.UTF_8);
            r.body().close();
            throw new IOException(node + " could not serve " + name + ": " + r.statusCode() + " " + body);
        }
        return Optional.of(new RemoteSource(metaFrom(name, r.headers()), r.body()));
    }

    /** Metadata of the objects on {@code node} whose keys lie in (from, to], tombstones included. */
    public List<ObjectMeta> list(NodeRef node, long from, long to) throws IOException {
        HttpRequest req = request(node, PeerHeaders.OBJECTS + "?from=" + from + "&to=" + to).timeout(callTimeout).GET().build();
        HttpResponse<String> r = send(node, req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw unexpected(node, "list", r);
        }
        return PeerHeaders.JSON.readValue(r.body(), new TypeReference<List<ObjectMeta>>() {});
    }

    /**
     * The metadata of every object on {@code node}, tombstones included, handed to {@code each} one
     * at a time as the answer streams in, so a large store is never held whole here. The whole
     * answer must arrive within {@code timeout}.
     */
    public void listAll(NodeRef node, Duration timeout, Consumer<ObjectMeta> each) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // (A, A] is the whole circle.
        HttpRequest req = request(node, PeerHeaders.OBJECTS + "?from=0&to=0").timeout(timeout).GET().build();
        HttpResponse<InputStream> r = send(node, req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            // The request's timeout ends with the head, and a read of the JDK's body stream ignores
            // interrupts: closing the stream is what ends an answer that stalls.
            AtomicBoolean late = new AtomicBoolean();
            CompletableFuture.runAsync(() -> {
                late.set(true);
                closeQuietly(in);
            }, CompletableFuture.delayedExecutor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            try {
                if (r.statusCode() != 200) {
                    throw refusal(node, "list", r.statusCode(), new String(in.readNBytes(1024), StandardCharsets.UTF_8));
                }
                try (JsonParser p = PeerHeaders.JSON.createParser(in)) {
                    if (p.nextToken() != JsonToken.START_ARRAY) {
                        throw new IOException(node + " answered a listing that is not a JSON array");
                    }
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        each.accept(p.readValueAs(ObjectMeta.class));
                    }
                    if (p.currentToken() != JsonToken.END_ARRAY) {
                        throw new IOException(node + " answered a listing with " + p.currentToken() + " in it");
                    }
                }
            } catch (IOException e) {
                if (late.get()) {
                    throw new HttpTimeoutException(node + " did not send its whole listing within " + timeout.toMillis() + " ms");
                }
                throw e;
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // closing only to stop a read; nothing more to do
        }
    }

    /** The bucket digests of (from, to] on {@code node} (see {@link io.chordfs.node.store.RangeDigest}). */
    public List<String> digest(NodeRef node, long from, long to, int buckets) throws IOException {
        HttpRequest req = request(node, PeerHeaders.DIGEST + "?from=" + from + "&to=" + to + "&buckets=" + buckets)
                .timeout(callTimeout).GET().build();
        HttpResponse<String> r = send(node, req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw unexpected(node, "digest", r);
        }
        return PeerHeaders.JSON.readValue(r.body(), new TypeReference<List<String>>() {});
    }

    /** Tells {@code successor} that {@code self} joined: it hands over what self now owns. */
    public List<String> notifyJoin(NodeRef successor, NodeRef self) throws IOException {
        String body = PeerHeaders.JSON.writeValueAsString(Map.of("ip", self.ip(), "port", self.port(), "id", self.id()));
        HttpRequest req = request(successor, PeerHeaders.NOTIFY_JOIN)
                .timeout(Duration.ofMinutes(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = send(successor, req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw unexpected(successor, "notify_join_system", r);
        }
        Map<String, List<String>> answer = PeerHeaders.JSON.readValue(r.body(), new TypeReference<>() {});
        return answer.getOrDefault("files", List.of());
    }

    private static URI uri(NodeRef node, String pathAndQuery) {
        return URI.create(PortLayout.peerBase(node) + pathAndQuery);
    }

    private HttpRequest.Builder request(NodeRef node, String pathAndQuery) {
        return HttpRequest.newBuilder(uri(node, pathAndQuery)).header(PeerHeaders.CLOCK, Long.toString(clock.now()));
    }

    private static String objectPath(String name) {
        return PeerHeaders.OBJECTS + "/" + PercentCodec.quote(name);
    }

    /** Sends {@code req} with a proof of the cluster secret, and takes the answer only with one bound to it. */
    private <T> HttpResponse<T> send(NodeRef node, HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        URI u = req.uri();
        String proof = secret.prove(PeerHeaders.claim(req.method(), u.getRawPath()
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()), node), clock.wallMillis());
        if (proof != null) {
            req = HttpRequest.newBuilder(req, (name, value) -> true).header(PeerHeaders.PROOF, proof).build();
        }
        try {
            HttpResponse<T> r = http.send(req, handler);
            try {
                checkReply(node, proof, r.statusCode(), r.headers().firstValue(PeerHeaders.PROOF).orElse(null));
            } catch (IOException e) {
                if (r.body() instanceof InputStream in) {
                    in.close();
                }
                throw e;
            }
            r.headers().firstValue(PeerHeaders.CLOCK).ifPresent(this::observe);
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while talking to " + node, e);
        }
    }

    private static IOException unexpected(NodeRef node, String what, HttpResponse<String> r) {
        return refusal(node, what, r.statusCode(), r.body());
    }

    private static ObjectMeta metaFrom(String name, HttpHeaders h) throws IOException {
        try {
            return new ObjectMeta(name, ObjectNames.placementKey(name),
                    h.firstValueAsLong("Content-Length").orElseThrow(),
                    h.firstValue(PeerHeaders.SHA256).orElse(""),
                    Long.parseLong(h.firstValue(PeerHeaders.VERSION).orElseThrow()),
                    false,
                    Long.parseLong(h.firstValue(PeerHeaders.MODIFIED).orElseThrow()),
                    0, List.of());
        } catch (RuntimeException e) {
            throw new IOException("a peer answered " + name + " without its metadata", e);
        }
    }

    /** An object streaming from another node, which verified each block before sending it. */
    private static final class RemoteSource implements ObjectSource {
        private final ObjectMeta meta;
        private final InputStream in;
        private long position;

        RemoteSource(ObjectMeta meta, InputStream in) {
            this.meta = meta;
            this.in = in;
        }

        @Override
        public ObjectMeta meta() {
            return meta;
        }

        /** The stream only moves forward: a range before what was already read cannot be served. */
        @Override
        public Pieces pieces(long offset, long length) throws IOException {
            if (offset < position) {
                throw new IOException("the peer's copy of " + meta.name() + " is a stream; byte " + offset + " has passed");
            }
            in.skipNBytes(offset - position);
            position = offset + length;
            long[] left = {length};
            return into -> {
                if (left[0] == 0) {
                    return -1;
                }
                int want = (int) Math.min(into.remaining(), left[0]);
                int n;
                if (into.hasArray()) {
                    n = in.read(into.array(), into.arrayOffset() + into.position(), want);
                    if (n > 0) {
                        into.position(into.position() + n);
                    }
                } else {
                    byte[] b = new byte[Math.min(want, 64 * 1024)];
                    n = in.read(b);
                    if (n > 0) {
                        into.put(b, 0, n);
                    }
                }
                if (n < 0) {
                    throw new IOException("the peer's copy of " + meta.name() + " ended early");
                }
                left[0] -= n;
                return n;
            };
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
