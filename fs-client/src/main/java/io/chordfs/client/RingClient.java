package io.chordfs.client;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.net.HttpPut;
import io.chordfs.core.net.RingQuery;
import io.chordfs.core.ring.Keys;
import com.fasterxml.jackson.databind.JsonNode;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The client's view of a ring: owner lookups over Chord RPC on the entry node, and the HTTP file
 * API (RPC port + 1) of any node. Thread-safe.
 */
final class RingClient implements AutoCloseable {
    /** Request header asking a node for the stored bytes of a name, not the assembled chunked file. */
    static final String RAW_HEADER = Manifest.RAW_HEADER;
    /** The message on a node's error page (http.server's format). */
    private static final java.util.regex.Pattern ERROR_MESSAGE = java.util.regex.Pattern.compile("<p>Message: (.*?)\\.</p>");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** For choosing an entry node: a live one answers get_info at once. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** Bounds a walk through a ring whose successor lists never lead back to the start. */
    private static final int MAX_MEMBERS = 100_000;
    /** A PUT's answer is a status; of its body (an error text) this much is kept. */
    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    final InetSocketAddress entry;
    private final RpcClient rpc;
    private final RingQuery query;
    /** The {@code Authorization} header for a ring started with --basic-auth, or null. */
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).build();

    static {
        // HttpURLConnection keeps at most 5 idle connections per node unless told otherwise; a
        // download has more requests than that in flight, and each one over would reconnect.
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", "64");
        }
    }

    RingClient(InetSocketAddress entry) {
        this(entry, null, new RpcClient(RpcLimits.defaults()));
    }

    private RingClient(InetSocketAddress entry, String user, RpcClient rpc) {
        this.entry = entry;
        this.rpc = rpc;
        this.query = new RingQuery(rpc, RpcLimits.defaults().callTimeout());
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A client through the first of the entry nodes that answers get_info within
     * {@link #PROBE_TIMEOUT}. An address whose port speaks HTTP is the file port given where the
     * Chord port is meant: {@link Main.Usage}, with the port to use.
     */
    static RingClient connect(Entry entries) throws ClientException {
        List<String> failures = new java.util.ArrayList<>();
        RpcClient rpc = new RpcClient(RpcLimits.defaults());
        try {
            RingQuery probe = new RingQuery(rpc, PROBE_TIMEOUT);
            for (InetSocketAddress a : entries.nodes()) {
                try {
                    probe.node(a, ChordNode.GET_INFO, List.of());
                    return new RingClient(a, entries.user(), rpc);
                } catch (IOException e) {
                    if (speaksHttp(a)) {
                        throw new Main.Usage(a.getHostString() + ":" + a.getPort() + " is a node's file (HTTP) port;"
                                + " give its Chord port, " + (a.getPort() - 1) + (a.getPort() - 1 == Main.CHORD_PORT
                                ? " (the default: leave the port out)" : ""));
                    }
                    failures.add(e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            rpc.close();
            throw e;
        }
        rpc.close();
        throw new ClientException(String.join("; ", failures));
    }

    /** Whether something answers HTTP at {@code a}: any status will do. */
    private static boolean speaksHttp(InetSocketAddress a) {
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PROBE_TIMEOUT).build();
        try {
            c.send(HttpRequest.newBuilder(URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/.chordfs/stats"))
                    .timeout(PROBE_TIMEOUT).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A request to a node's file API, with the credentials when there are any. */
    private HttpRequest.Builder http(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    NodeRef entryNode() {
        return NodeRef.of(entry.getHostString(), entry.getPort());
    }

    /** The node that owns {@code name}, asked of the entry node. */
    NodeRef owner(String name) throws ClientException {
        return rpcNode(entry, ChordNode.FIND_SUCCESSOR, List.of(Keys.key(name)));
    }

    /** The members of the ring, walked with get_successor from the entry node. */
    List<NodeRef> members() throws ClientException {
        try {
            return query.members(entry);
        } catch (IOException e) {
            throw new ClientException(e.getMessage());
        }
    }

    /** A node met on a walk of the ring: {@code up} when it answered. */
    record Member(NodeRef node, boolean up) {}

    /**
     * The ring as its members see it, walked from the entry node: of each member, the first
     * successor in its list that answers get_info is the next; the ones before it that do not
     * answer are members the ring still remembers but that are down. Unlike {@link #members()}, a
     * dead successor does not end the walk. In successor order from the entry node.
     */
    List<Member> survey() throws ClientException {
        RingQuery probe = new RingQuery(rpc, PROBE_TIMEOUT);
        Map<NodeRef, Boolean> seen = new java.util.LinkedHashMap<>();
        NodeRef at = rpcNode(entry, ChordNode.GET_INFO, List.of());
        seen.put(at, true);
        while (at != null && seen.size() < MAX_MEMBERS) {
            NodeRef next = null;
            for (long i = 0; next == null; i++) {
                NodeRef s;
                try {
                    s = probe.node(at.address(), ChordNode.GET_SUCCESSOR, List.of(i));
                } catch (IOException e) {
                    break; // past the end of its list (or it stopped answering): the walk ends here
                }
                Boolean up = seen.get(s);
                if (s.isNone() || Boolean.TRUE.equals(up)) {
                    break; // back at a member already walked: the ring is closed
                }
                if (up == null) {
                    boolean answers = answers(probe, s);
                    seen.put(s, answers);
                    if (answers) {
                        next = s;
                    }
                }
            }
            at = next;
        }
        return seen.entrySet().stream().map(e -> new Member(e.getKey(), e.getValue())).toList();
    }

    private static boolean answers(RingQuery probe, NodeRef n) {
        try {
            probe.node(n.address(), ChordNode.GET_INFO, List.of());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Up to {@code n} successors of {@code node} (where its replicas live), asked of that node;
     * empty when it does not answer.
     */
    List<NodeRef> replicasAfter(NodeRef node, int n) {
        List<NodeRef> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            try {
                NodeRef s = rpcNode(node.address(), ChordNode.GET_SUCCESSOR, List.of((long) i));
                if (s.isNone() || s.equals(node) || out.contains(s)) {
                    break;
                }
                out.add(s);
            } catch (ClientException e) {
                break;
            }
        }
        return out;
    }

    private NodeRef rpcNode(InetSocketAddress at, String method, List<?> params) throws ClientException {
        try {
            return query.node(at, method, params);
        } catch (IOException e) {
            throw new ClientException(e.getMessage());
        }
    }

    static URI uri(NodeRef node, String name) {
        String enc = URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
        return URI.create("http://" + node.ip() + ":" + (node.port() + 1) + "/" + enc);
    }

    static String where(NodeRef n) {
        return n.ip() + ":" + (n.port() + 1);
    }

    HttpRequest.Builder request(NodeRef node, String name) {
        return http(uri(node, name));
    }

    <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (ConnectException e) {
            throw new IOException("cannot connect to " + req.uri().getHost() + ":" + req.uri().getPort(), e);
        } catch (HttpTimeoutException e) {
            throw new IOException("no answer in time from " + req.uri().getHost() + ":" + req.uri().getPort(), e);
        }
    }

    /**
     * A request body: its length, how to write it (again, if a PUT is retried elsewhere), and its
     * block CRC32Cs for the node to check the bytes against (none: unchecked).
     */
    record Body(long size, HttpPut.Body writer, List<Long> crcs) {
        static Body of(byte[] b, int len) {
            return new Body(len, out -> out.write(b, 0, len), BlockCrcs.of(b, 0, len));
        }

        /** The first {@code size} bytes of the file, which have these CRCs. */
        static Body of(Path file, long size, List<Long> crcs) {
            return new Body(size, HttpPut.Body.of(file, size), crcs);
        }
    }

    /**
     * PUT over {@link HttpURLConnection} (see {@link HttpPut}); the exchange must end within
     * {@link #TIMEOUT} plus the time to send at {@link HttpPut#MIN_BYTES_PER_SECOND}. Sends the
     * body's block CRC32Cs, so the node stores nothing (422) unless the bytes it got are the ones
     * sent. Returns the SHA-256 the node computed over those bytes ({@link HttpPut#BODY_SHA256}),
     * when it sent one and the CRCs were sent. Throws with the status on failure.
     */
    Optional<String> put(NodeRef node, String name, Body body) throws IOException {
        return put(node, name, null, body);
    }

    /** As {@link #put(NodeRef, String, Body)}; with an {@code upload} id, the chunk {@code name} of that upload. */
    Optional<String> put(NodeRef node, String name, String upload, Body body) throws IOException {
        Optional<String> crcs = BlockCrcs.header(body.crcs());
        Map<String, String> headers = new java.util.HashMap<>();
        crcs.ifPresent(v -> headers.put(BlockCrcs.HEADER, v));
        if (upload != null) {
            headers.put(ObjectNames.UPLOAD_HEADER, upload);
        }
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        HttpPut.Answer a;
        try {
            a = HttpPut.send("PUT " + name + " to " + where(node), uri(node, name), body.size(), headers, body.writer(),
                    CONNECT_TIMEOUT, HttpPut.deadline(TIMEOUT, body.size()), MAX_ANSWER_BYTES);
        } catch (ConnectException e) {
            throw new IOException("cannot connect to " + where(node), e);
        }
        if (a.code() != 201 && a.code() != 204) {
            String what = "PUT " + name + " to " + where(node);
            // a write's 502 is the owner refusing the copy forwarded to it, not a broken chunk
            throw new StatusException(a.code() == 502
                    ? what + ": the owner refused the copy this node forwarded to it; it may be retried (502)"
                    : status(what, a.code(), a.body()), a.code());
        }
        // Without CRCs sent (an empty body, or too many blocks) the node checked nothing: its sum
        // would be of whatever arrived.
        return crcs.isEmpty() ? Optional.empty() : a.header(HttpPut.BODY_SHA256).filter(HttpPut::isSha256Hex);
    }

    /** What {@code node} stores under {@code name}, raw, without the bytes (HEAD); empty when absent. */
    Optional<Raw> head(NodeRef node, String name) throws IOException {
        return head(node, name, null);
    }

    /** As {@link #head(NodeRef, String)}; with an {@code upload} id, of the chunk {@code name} of that upload. */
    Optional<Raw> head(NodeRef node, String name, String upload) throws IOException {
        HttpRequest.Builder b = request(node, name).header(RAW_HEADER, "1");
        if (upload != null) {
            b.header(ObjectNames.UPLOAD_HEADER, upload);
        }
        HttpResponse<Void> r = send(b.method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        if (r.statusCode() != 200) {
            throw new StatusException(status("HEAD " + name + " on " + where(node), r.statusCode()), r.statusCode());
        }
        return Optional.of(new Raw(r.headers().firstValueAsLong("Content-Length").orElse(-1),
                r.headers().firstValue("ETag").map(RingClient::unquote),
                blockCrcs(r.headers().firstValue(BlockCrcs.HEADER).orElse(null)), InputStream.nullInputStream()));
    }

    /**
     * The stored bytes of a name as a node sends them: their length (-1 when not given), the ETag
     * (the SHA-256, unquoted, when given), the stored CRC32C of each 1 MiB block (empty when not
     * given or malformed) and the stream, which the caller reads once and closes.
     */
    record Raw(long length, Optional<String> etag, List<Long> blockCrcs, InputStream body) {}

    /**
     * GET of the stored bytes (empty when 404), over {@link HttpURLConnection}: for large bodies
     * it reads two to three times faster than java.net.http on JDK 17 (docs/performance.md), and
     * downloads are large bodies. A read that stalls for {@link #TIMEOUT} fails.
     */
    Optional<Raw> getRaw(NodeRef node, String name) throws IOException {
        return getRaw(node, name, null);
    }

    /** As {@link #getRaw(NodeRef, String)}; with an {@code upload} id, the chunk {@code name} of that upload. */
    Optional<Raw> getRaw(NodeRef node, String name, String upload) throws IOException {
        URI uri = uri(node, name);
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
        c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        c.setReadTimeout((int) TIMEOUT.toMillis());
        c.setInstanceFollowRedirects(false);
        c.setRequestProperty(RAW_HEADER, "1");
        if (authorization != null) {
            c.setRequestProperty("Authorization", authorization);
        }
        if (upload != null) {
            c.setRequestProperty(ObjectNames.UPLOAD_HEADER, upload);
        }
        int code;
        try {
            code = c.getResponseCode();
        } catch (ConnectException e) {
            throw new IOException("cannot connect to " + uri.getHost() + ":" + uri.getPort(), e);
        } catch (SocketTimeoutException e) {
            throw new IOException("no answer in time from " + uri.getHost() + ":" + uri.getPort(), e);
        }
        if (code != 200) {
            try (InputStream err = c.getErrorStream()) {
                if (err != null) {
                    err.transferTo(OutputStream.nullOutputStream());   // lets the connection be reused
                }
            }
            if (code == 404) {
                return Optional.empty();
            }
            throw new StatusException(status("GET " + name + " from " + where(node), code), code);
        }
        return Optional.of(new Raw(c.getContentLengthLong(), Optional.ofNullable(c.getHeaderField("ETag")).map(RingClient::unquote),
                blockCrcs(c.getHeaderField(BlockCrcs.HEADER)), c.getInputStream()));
    }

    /** The header's CRCs; none when it is absent or malformed (the caller then hashes instead). */
    private static List<Long> blockCrcs(String header) {
        try {
            return header == null ? List.of() : BlockCrcs.parse(header);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    static String unquote(String etag) {
        return etag.replace("\"", "");
    }

    /** DELETE; false when the node answered 404. */
    boolean delete(NodeRef node, String name) throws IOException {
        return delete(node, name, null);
    }

    /** As {@link #delete(NodeRef, String)}; with an {@code upload} id, the chunk {@code name} of that upload. */
    boolean delete(NodeRef node, String name, String upload) throws IOException {
        HttpRequest.Builder b = request(node, name).DELETE();
        if (upload != null) {
            b.header(ObjectNames.UPLOAD_HEADER, upload);
        }
        HttpResponse<String> r = send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return false;
        }
        if (r.statusCode() != 204 && r.statusCode() != 200) {
            throw new StatusException(status("DELETE " + name + " on " + where(node), r.statusCode(), r.body()),
                    r.statusCode());
        }
        return true;
    }

    /** The node's store statistics (objects, bytes, used_percent, capacity_bytes); empty when it has none to give. */
    Optional<com.fasterxml.jackson.databind.JsonNode> stats(NodeRef node) {
        try {
            HttpResponse<String> r = send(http(URI.create("http://" + where(node) + "/.chordfs/stats")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The node's collection of abandoned uploads: what it would collect ({@code dryRun}) or did. */
    JsonNode gc(NodeRef node, boolean dryRun) throws IOException {
        HttpRequest.Builder b = http(URI.create("http://" + where(node) + "/.chordfs/gc"));
        HttpResponse<String> r = send((dryRun ? b.GET() : b.POST(HttpRequest.BodyPublishers.noBody())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new StatusException(status("collection on " + where(node), r.statusCode(), r.body()), r.statusCode());
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    }

    /** GET /?local=1 as JSON: the files the node itself holds. */
    String listing(NodeRef node) throws IOException {
        return listing(node, false);
    }

    /** As {@link #listing(NodeRef)}, with the chunk objects of uploads when {@code withChunks}. */
    String listing(NodeRef node, boolean withChunks) throws IOException {
        HttpRequest req = http(URI.create("http://" + where(node) + "/?local=1" + (withChunks ? "&all=1" : "")))
                .header("Accept", "application/json").GET().build();
        HttpResponse<String> r = send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new StatusException(status("listing of " + where(node), r.statusCode()), r.statusCode());
        }
        return r.body();
    }

    /** A node answered with an HTTP status the call cannot use; the message names it. */
    static final class StatusException extends IOException {
        final int code;

        StatusException(String message, int code) {
            super(message);
            this.code = code;
        }
    }

    /** As {@link #status(String, int)}; a 409's reason is the node's own message, taken from its error page. */
    static String status(String what, int code, String errorPage) {
        if (code == 409) {
            java.util.regex.Matcher m = ERROR_MESSAGE.matcher(errorPage == null ? "" : errorPage);
            if (m.find()) {
                String message = m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
                return what + ": " + message + " (409)";
            }
        }
        return status(what, code);
    }

    static String status(String what, int code) {
        String why = switch (code) {
            case 401, 403 -> "not authorised";
            case 507 -> "the ring is full";
            case 503 -> "the ring cannot place it right now";
            case 413 -> "too large";
            case 500 -> "the node could not serve it (a corrupt copy?)";
            case 502 -> "a chunk of it is missing or corrupt";
            case 400 -> "bad name";
            case 409 -> "it conflicts with what is stored";
            case 422 -> "the node received other bytes than were sent (did the file change meanwhile?)";
            default -> "HTTP " + code;
        };
        return what + ": " + why + " (" + code + ")";
    }

    @Override
    public void close() {
        rpc.close();
    }
}
