package io.chordfs.node.peer;

import com.fasterxml.jackson.core.type.TypeReference;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StoreFullException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Calls another node's transfer endpoint (port 5059). Every call has a timeout. */
public final class PeerClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    /** A body upload waits for its answer this long plus the time to send at 10 MB/s. */
    private static final long MIN_BYTES_PER_SECOND = 10_000_000;

    private final HttpClient http;
    private final String secret;

    public PeerClient(String clusterSecret) {
        this.secret = clusterSecret;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
    }

    /**
     * Stores {@code file} as {@code name} on {@code node}, as a new write that the node (the
     * owner) gives a version.
     */
    public ObjectMeta put(NodeRef node, String name, Path file, long size) throws IOException {
        return put(node, name, HttpRequest.BodyPublishers.ofFile(file), size, null, null, null);
    }

    /**
     * Copies a stored object to {@code node} with its version, modification time and checksum;
     * the node keeps the newer of its copy and this one, and refuses bytes that do not match.
     */
    public ObjectMeta copy(NodeRef node, ObjectSource source) throws IOException {
        ObjectMeta m = source.meta();
        boolean crcs = m.blockSize() == ObjectStore.BLOCK_SIZE && !m.blockCrc32c().isEmpty()
                && m.blockCrc32c().size() <= PeerHeaders.MAX_CRC_HEADER_BLOCKS;
        return put(node, m.name(), HttpRequest.BodyPublishers.ofInputStream(() -> new SourceStream(source)),
                m.size(), m.version(), m.modifiedMillis(), m.sha256(), crcs ? m.blockCrc32c() : null);
    }

    private ObjectMeta put(NodeRef node, String name, HttpRequest.BodyPublisher body, long size, Long version,
                           Long modifiedMillis, String sha256) throws IOException {
        return put(node, name, body, size, version, modifiedMillis, sha256, null);
    }

    private ObjectMeta put(NodeRef node, String name, HttpRequest.BodyPublisher body, long size, Long version,
                           Long modifiedMillis, String sha256, List<Long> blockCrcs) throws IOException {
        HttpRequest.Builder b = request(node, objectPath(name))
                .timeout(CALL_TIMEOUT.plusSeconds(size / MIN_BYTES_PER_SECOND))
                .PUT(body);
        if (blockCrcs != null) {
            b.header(PeerHeaders.CRC32C, String.join(",", blockCrcs.stream().map(String::valueOf).toList()));
        }
        if (version != null) {
            b.header(PeerHeaders.VERSION, Long.toString(version));
        }
        if (modifiedMillis != null) {
            b.header(PeerHeaders.MODIFIED, Long.toString(modifiedMillis));
        }
        if (sha256 != null) {
            b.header(PeerHeaders.SHA256, sha256);
        }
        HttpResponse<String> r = send(node, b.build(), HttpResponse.BodyHandlers.ofString());
        return switch (r.statusCode()) {
            case 200 -> PeerHeaders.JSON.readValue(r.body(), ObjectMeta.class);
            case 507 -> throw new StoreFullException(node + " is full: " + r.body());
            case 422 -> throw new CorruptObjectException("transfer of " + name + " to " + node + " did not verify: " + r.body());
            default -> throw unexpected(node, "store " + name, r);
        };
    }

    /** Writes a tombstone for {@code name} on {@code node}; null version lets the node pick. */
    public Optional<ObjectMeta> delete(NodeRef node, String name, Long version, Long modifiedMillis) throws IOException {
        HttpRequest.Builder b = request(node, objectPath(name)).timeout(CALL_TIMEOUT).DELETE();
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
            throw unexpected(node, "delete " + name, r);
        }
        return Optional.of(PeerHeaders.JSON.readValue(r.body(), ObjectMeta.class));
    }

    /** Opens {@code name} on {@code node} for reading; empty when the node does not have it. */
    public Optional<ObjectSource> open(NodeRef node, String name) throws IOException {
        HttpRequest req = request(node, objectPath(name)).timeout(CALL_TIMEOUT).GET().build();
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
        HttpRequest req = request(node, PeerHeaders.OBJECTS + "?from=" + from + "&to=" + to).timeout(CALL_TIMEOUT).GET().build();
        HttpResponse<String> r = send(node, req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw unexpected(node, "list", r);
        }
        return PeerHeaders.JSON.readValue(r.body(), new TypeReference<List<ObjectMeta>>() {});
    }

    /** The bucket digests of (from, to] on {@code node} (see {@link io.chordfs.node.store.RangeDigest}). */
    public List<String> digest(NodeRef node, long from, long to, int buckets) throws IOException {
        HttpRequest req = request(node, PeerHeaders.DIGEST + "?from=" + from + "&to=" + to + "&buckets=" + buckets)
                .timeout(CALL_TIMEOUT).GET().build();
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

    private HttpRequest.Builder request(NodeRef node, String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(PortLayout.peerBase(node) + pathAndQuery));
        if (secret != null) {
            b.header(PeerHeaders.SECRET, secret);
        }
        return b;
    }

    private static String objectPath(String name) {
        return PeerHeaders.OBJECTS + "/" + PercentCodec.quote(name);
    }

    private <T> HttpResponse<T> send(NodeRef node, HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while talking to " + node, e);
        }
    }

    private static IOException unexpected(NodeRef node, String what, HttpResponse<String> r) {
        return new IOException(node + " refused to " + what + ": " + r.statusCode() + " " + r.body());
    }

    private static ObjectMeta metaFrom(String name, HttpHeaders h) throws IOException {
        try {
            return new ObjectMeta(name, io.chordfs.core.ring.Keys.key(name),
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
        public void copyTo(OutputStream out, long offset, long length) throws IOException {
            if (offset < position) {
                throw new IOException("the peer's copy of " + meta.name() + " is a stream; byte " + offset + " has passed");
            }
            in.skipNBytes(offset - position);
            position = offset + length;
            byte[] buf = new byte[64 * 1024];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException("the peer's copy of " + meta.name() + " ended early");
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** A local object read as a stream, one verified window at a time, so memory stays bounded. */
    private static final class SourceStream extends InputStream {
        private static final int WINDOW = 1 << 20;
        private final ObjectSource source;
        private final java.io.ByteArrayOutputStream window = new java.io.ByteArrayOutputStream(WINDOW);
        private byte[] bytes = new byte[0];
        private int pos;
        private long next;

        SourceStream(ObjectSource source) {
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos == bytes.length) {
                long left = source.meta().size() - next;
                if (left <= 0) {
                    return -1;
                }
                window.reset();
                int n = (int) Math.min(WINDOW, left);
                source.copyTo(window, next, n);
                next += n;
                bytes = window.toByteArray();
                pos = 0;
            }
            int n = Math.min(len, bytes.length - pos);
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
