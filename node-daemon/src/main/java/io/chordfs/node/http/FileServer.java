package io.chordfs.node.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.net.HttpPut;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.peer.PercentCodec;
import io.chordfs.node.peer.Statuses;
import io.chordfs.node.replica.Uploads;
import io.chordfs.node.route.Manifests;
import io.chordfs.node.route.ObjectRouter;
import io.chordfs.node.route.RingListing;
import io.chordfs.node.route.WriteStream;
import io.chordfs.node.store.BadNameException;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.Names;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;

/**
 * The node's file server on port 5058, compatible with Python {@code uploadserver} 6.0.5 (which
 * builds on {@code http.server.SimpleHTTPRequestHandler}): what a client of uploadserver can
 * observe is the same, with the deliberate differences listed below.
 *
 * <h2>Requests</h2>
 * <ul>
 * <li>{@code GET /<name>} (percent-decoded, {@link Names#check checked}): 200 with Content-Length,
 * Content-Type guessed from the name (see {@link MimeTypes}), Last-Modified, and, beyond
 * uploadserver, {@code ETag: "<sha256>"} and {@code Accept-Ranges: bytes}; 404 when absent.
 * {@code HEAD}: the same headers without the body. {@code If-Modified-Since} gives 304 when the
 * object's modification time, in whole seconds, is not later (as Python compares); beyond
 * uploadserver, {@code If-None-Match} with the ETag (or *) gives 304 and then If-Modified-Since is
 * ignored, and {@code Range: bytes=a-b | a- | -n} gives 206 with Content-Range, or 416 when it
 * cannot be satisfied (several ranges or a malformed header: the whole object, 200). Asked with
 * {@code X-ChordFS-Raw: 1} for the whole object, the answer also carries {@link BlockCrcs#HEADER}:
 * the stored CRC32C of each 1 MiB block.</li>
 * <li>{@code POST /upload} and {@code PUT /upload}, {@code multipart/form-data}: parsed as a
 * stream ({@link MultipartParser}); each part named {@code files} streams straight into
 * {@link ObjectStore#stage} under the base name of its file name; other parts are read and
 * ignored. Only after the whole body: no {@code files} part: 400 {@code Field "files" not found};
 * a {@code files} part with an empty or no file name: 400 {@code No files selected}; a file name
 * that breaks the name rules: 400 with the reason; in all these cases nothing is stored. Otherwise
 * every staged file is committed through the {@link ObjectRouter} in the order received, then 204.
 * A body that is not multipart, has no boundary, or ends early: 400, nothing stored. The store is
 * full: 507, nothing stored. A file larger than {@link Options#maxObjectBytes}: 413.</li>
 * <li>Beyond uploadserver: {@code PUT /<name>} with the raw bytes as the body: 201 Created, or 204
 * when the name already held a live object (it is replaced by a new version) or a concurrent
 * write's version won, as the owner's store saw it at the commit, with the stored
 * version's {@code ETag} and {@link HttpPut#BODY_SHA256}, the SHA-256 of this request's body
 * (with {@link BlockCrcs#HEADER}, bytes that do not match it get 422 and nothing is stored);
 * {@code DELETE /<name>}: 204, or 404 when absent. POST to any other path: 404
 * {@code Can only POST/PUT to /upload}, as uploadserver. A failure the owner answers (503, 507,
 * 409 and the rest of {@link Statuses}) reaches the client with its status unchanged.</li>
 * <li>Chunks of chunked files: with {@link ObjectNames#UPLOAD_HEADER} a {@code PUT}, {@code GET},
 * {@code HEAD} or {@code DELETE} of {@code <name>_chunk_<i>} is for that upload's chunk object;
 * without it, a GET of a chunk name reads the chunk the committed manifest names. Writes that would
 * replace or hide another file get 409 naming it (see {@code replica.Uploads}).
 * {@code GET /.chordfs/gc} lists the abandoned uploads' chunks this node would collect,
 * {@code POST} collects them.</li>
 * <li>For operators (docs/operations.md): {@code GET /.chordfs/health} 200 while the node serves,
 * {@code /.chordfs/ready} 200 when it is a member of a ring with its store open, else 503 (both
 * without credentials, for load balancers and systemd); {@code /.chordfs/metrics} the node's
 * metrics in the Prometheus text format, {@code /.chordfs/} the console page and
 * {@code /.chordfs/status.json} what it shows (these three behind basic auth when the node has it).</li>
 * <li>{@code GET /upload}: uploadserver's upload page. {@code GET /}: every live file in the ring,
 * whichever node is asked ({@link RingListing}: the newest version of each name; chunk objects only
 * with {@code ?all=1}; {@code ?local=1}: this node's own copies instead), as the HTML that
 * {@code list_directory} plus uploadserver's injections produce, links percent-encoded; as JSON
 * {@code [{"name","size","modified","sha256","version"}]} (modified: ISO-8601 UTC; a chunk object
 * adds {@code "chunk_of"}) when the Accept header contains {@code application/json}. What a listing
 * misses is in headers ({@code X-ChordFS-Listing-*}) and, in the HTML, in a line above the list; a
 * node in no ring answers 503.</li>
 * <li>Other methods: 501, as http.server.</li>
 * <li>{@code --basic-auth} / {@code --basic-auth-upload}: uploadserver's
 * {@code check_http_authentication} exactly: with only basic-auth, every request needs it; with
 * basic-auth-upload, the path {@code /upload} needs the upload credentials and other paths need
 * basic-auth's or the upload credentials when basic-auth is set, nothing otherwise. Failure: 401
 * with {@code WWW-Authenticate: Basic realm="uploadserver"}. See {@link BasicAuth}.</li>
 * </ul>
 * Error responses carry http.server's HTML error page. Reads go through {@link ObjectSource#pieces},
 * which verifies each block before any of it is sent: when the stored copy is found corrupt before
 * the status line went out (the first block touched is always verified first), the answer is 500
 * "stored copy of X is corrupt"; when it is found later, the connection is dropped, so the client
 * sees a short body against its Content-Length, never bad bytes.
 *
 * <h2>Deliberate differences from uploadserver</h2>
 * <ol>
 * <li>Uploading a name that exists replaces it with a new version (uploadserver without
 * {@code --allow-replace} stores {@code name (1)}); two parts with the same file name in one
 * request: the later wins.</li>
 * <li>Names follow the store's rules: a name is a path of components ({@code a/b/c.txt}); a bad
 * name (e.g. {@code GET /x/}, which would list a folder: not yet, a backslash) is 400, where
 * uploadserver would list the subdirectory or answer 404.</li>
 * <li>Range, ETag, If-None-Match, PUT /name, DELETE; 413/431/503/507 answers, and 502 when the
 * owner refuses a copy this node forwarded to it (damaged on the way; that file is not stored,
 * files of the same upload committed before it stay, as with 503 and 507).</li>
 * <li>HEAD is authenticated too (uploadserver forgets HEAD, leaking sizes), and with
 * basic-auth-upload set, {@code PUT /<name>} and {@code DELETE} need the upload credentials: they
 * are writes. {@code HEAD /upload} describes the upload page (uploadserver: 404).</li>
 * <li>Malformed requests that crash uploadserver's handler (no ':' in the credentials, a missing
 * boundary, ...) get a 400/401 here. Status lines carry the standard reason phrase, not
 * uploadserver's custom ones such as "No credentials given"; uploadserver answers HTTP/1.0 and
 * closes, we keep connections alive.</li>
 * </ol>
 *
 * <h2>Connections, limits and timeouts</h2>
 * The server runs on an {@link HttpHost}: Netty event loops read heads and bodies and send
 * answers; the store and the ring are worked on by a bounded pool of workers, and no worker ever
 * waits for a client. Slow, silent or hostile clients cost memory within the bounds of
 * {@link HostLimits} (connections in all and per address, head size and deadline, idle time, body
 * progress, bytes held), never a thread; see docs/front-door.md.
 *
 * <h2>Logging</h2>
 * INFO: one line per upload, delete and error, with the node's address and the name; GETs only
 * at DEBUG.
 */
public final class FileServer implements HttpHost.HttpHandler, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FileServer.class.getName());
    private static final String UPLOAD_PATH = "/upload";
    /** Node statistics for fs-client ring; no object can be named ".chordfs", so this never shadows one. */
    static final String STATS_PATH = "/.chordfs/stats";
    /** GET: what collection of abandoned uploads would remove on this node now; POST: collect now. */
    static final String GC_PATH = "/.chordfs/gc";
    static final String HEALTH_PATH = "/.chordfs/health";
    static final String READY_PATH = "/.chordfs/ready";
    static final String METRICS_PATH = "/.chordfs/metrics";
    static final String CONSOLE_PATH = "/.chordfs/";
    static final String STATUS_PATH = "/.chordfs/status.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARSER_BUFFER = 64 * 1024;
    private static final String HTML = "text/html; charset=utf-8";
    private static final String ERROR_TYPE = "text/html;charset=utf-8";

    /**
     * Settings of one file server.
     *
     * @param basicAuth          {@code user:pass} required for every request, or null
     * @param basicAuthUpload    {@code user:pass} required for uploads (and our writes), or null
     * @param maxPartHeaderBytes largest header block of one multipart part; beyond: 400
     * @param maxObjectBytes     largest single file; beyond: 413 (the store's quota applies as well)
     * @param host               connections, heads, timeouts, buffers and workers
     */
    public record Options(String basicAuth, String basicAuthUpload, int maxPartHeaderBytes, long maxObjectBytes,
                          HostLimits host) {
        public Options {
            BasicAuth.of(basicAuth); // validates user:pass
            BasicAuth.of(basicAuthUpload);
            if (maxPartHeaderBytes < 256 || maxObjectBytes < 0) {
                throw new IllegalArgumentException("bad file server limits");
            }
        }

        /** No auth, 16 KiB part heads, no object limit, {@link HostLimits#defaults()}. */
        public static Options defaults() {
            return new Options(null, null, 16 * 1024, Long.MAX_VALUE, HostLimits.defaults());
        }

        /** {@code --basic-auth} and {@code --basic-auth-upload} ({@code user:pass} each, or null). */
        public Options withBasicAuth(String basicAuth, String basicAuthUpload) {
            return new Options(basicAuth, basicAuthUpload, maxPartHeaderBytes, maxObjectBytes, host);
        }

        public Options withLimits(int maxHeaderBytes, int maxPartHeaderBytes, long maxObjectBytes) {
            return new Options(basicAuth, basicAuthUpload, maxPartHeaderBytes, maxObjectBytes,
                    host.withMaxHeadBytes(maxHeaderBytes));
        }

        /** {@code --max-object-size}. */
        public Options withMaxObjectBytes(long max) {
            return new Options(basicAuth, basicAuthUpload, maxPartHeaderBytes, max, host);
        }

        public Options withHost(HostLimits limits) {
            return new Options(basicAuth, basicAuthUpload, maxPartHeaderBytes, maxObjectBytes, limits);
        }
    }

    private final ObjectStore store;
    private final ObjectRouter router;
    private final RingListing listing;
    private final Options options;
    private final BasicAuth auth;
    private final BasicAuth uploadAuth;
    private final HttpHost host;
    private final String node;
    /** Chunked files (fs-client's manifests) are answered assembled; see {@link ChunkedFiles}. */
    private volatile Uploads uploads;
    private volatile Operations operations;

    /** Writes the node's metrics in the format {@code contentType} names. */
    @FunctionalInterface
    public interface Scrape {
        void to(OutputStream out) throws IOException;
    }

    /** What the operators' endpoints answer from: readiness, the metrics, the console page and its status (JSON). */
    public record Operations(BooleanSupplier ready, String metricsType, Scrape metrics, byte[] consolePage,
                             Scrape status) {}

    private FileServer(InetSocketAddress bind, ObjectStore store, ObjectRouter router, RingListing listing,
                       Options options, EventLoopGroup group) throws IOException {
        this.store = store;
        this.router = router;
        this.listing = listing;
        this.options = options;
        this.auth = BasicAuth.of(options.basicAuth());
        this.uploadAuth = BasicAuth.of(options.basicAuthUpload());
        this.host = HttpHost.start("http-" + bind.getPort(), bind, options.host(), this, group);
        InetSocketAddress a = host.address();
        this.node = a.getAddress().getHostAddress() + ":" + a.getPort();
        LOG.log(Level.INFO, "{0}: file server listening (uploadserver-compatible)", node);
    }

    /** Binds {@code bind} (port 0: any free port) and starts serving on an event loop of its own. */
    public static FileServer start(InetSocketAddress bind, ObjectStore store, ObjectRouter router, RingListing listing,
                                   Options options) throws IOException {
        return start(bind, store, router, listing, options, null);
    }

    /** As {@link #start(InetSocketAddress, ObjectStore, ObjectRouter, RingListing, Options)}, on {@code group}'s event loops. */
    public static FileServer start(InetSocketAddress bind, ObjectStore store, ObjectRouter router, RingListing listing,
                                   Options options, EventLoopGroup group) throws IOException {
        return new FileServer(bind, store, router, listing, options, group);
    }

    /** Serves {@link #GC_PATH} with {@code u}'s collection of abandoned uploads. */
    public void collectWith(Uploads u) {
        uploads = u;
    }

    /** Answers /.chordfs/ready and /.chordfs/metrics from {@code o}, and counts this host's traffic with {@code observer}. */
    public void operateWith(Operations o, HttpHost.Observer observer) {
        operations = o;
        host.observe(observer);
    }

    /** The bound address (with the real port when started on port 0). */
    public InetSocketAddress address() {
        return host.address();
    }

    /** Connections open now. */
    public int connections() {
        return host.connections();
    }

    /** Bytes of answers in memory, waiting for clients to take them. */
    public long answerBytesHeld() {
        return host.answerBytesHeld();
    }

    /**
     * Stops accepting and drops open connections, then gives running work up to 5 s to finish
     * what it does with the store (a commit is never interrupted half way unless that runs out).
     */
    @Override
    public void close() {
        host.close();
        LOG.log(Level.INFO, "{0}: file server stopped", node);
    }

    // ---------------------------------------------------------------------------------- dispatch

    @Override
    public void handle(Exchange x) throws IOException {
        String m = x.methodUpper();
        if (!m.equals("GET") && !m.equals("HEAD") && !m.equals("POST") && !m.equals("PUT") && !m.equals("DELETE")) {
            error(x, 501, "Unsupported method ('" + x.method() + "')");
            return;
        }
        String rawPath = x.rawPath();
        if ((m.equals("GET") || m.equals("HEAD")) && (rawPath.equals(HEALTH_PATH) || rawPath.equals(READY_PATH))) {
            probe(x, rawPath.equals(READY_PATH)); // before auth: a load balancer has no credentials
            return;
        }
        // uploadserver compares handler.path (path and query as sent) with "/upload".
        boolean uploadPath = rawPath.equals(UPLOAD_PATH) && x.rawQuery() == null;
        boolean write = uploadPath || m.equals("PUT") || m.equals("DELETE");
        if (!authenticated(x, uploadPath, write)) {
            return;
        }
        switch (m) {
            case "GET", "HEAD" -> {
                if (uploadPath) {
                    x.respond(200, HTML, Pages.UPLOAD_PAGE);
                } else if (rawPath.equals("/")) {
                    listing(x);
                } else if (rawPath.equals(STATS_PATH)) {
                    stats(x);
                } else if (rawPath.equals(GC_PATH)) {
                    collection(x, true);
                } else if (rawPath.equals(METRICS_PATH) || rawPath.equals(CONSOLE_PATH) || rawPath.equals(STATUS_PATH)) {
                    operations(x, rawPath);
                } else {
                    String name = name(x, rawPath);
                    String object = name == null ? null : object(x, name);
                    if (object != null) {
                        get(x, name, object);
                    }
                }
            }
            case "POST" -> {
                if (uploadPath) {
                    upload(x);
                } else if (rawPath.equals(GC_PATH)) {
                    collection(x, false);
                } else {
                    error(x, 404, "Can only POST/PUT to /upload");
                }
            }
            case "PUT" -> {
                if (uploadPath) {
                    upload(x);
                } else {
                    String name = name(x, rawPath);
                    String object = name == null ? null : object(x, name);
                    if (object != null) {
                        put(x, object);
                    }
                }
            }
            case "DELETE" -> {
                String name = name(x, rawPath);
                String object = name == null ? null : object(x, name);
                if (object != null) {
                    delete(x, object);
                }
            }
            default -> throw new AssertionError(m);
        }
    }

    /** Whether the stored bytes themselves were asked for ({@code X-ChordFS-Raw: 1} or {@code ?raw=1}): a manifest, not its file. */
    private static boolean rawRequested(Exchange x) {
        String h = x.header(Manifest.RAW_HEADER);
        if (h != null && !h.isBlank() && !h.strip().equals("0")) {
            return true;
        }
        String q = x.rawQuery();
        return q != null && (q.equals("raw") || q.equals("raw=1") || q.startsWith("raw=1&") || q.contains("&raw=1"));
    }

    /** The object name of a path, or null after answering 400. */
    private String name(Exchange x, String rawPath) {
        try {
            return PercentCodec.decodeName(rawPath.substring(1));
        } catch (IllegalArgumentException e) { // BadNameException too
            error(x, 400, "Bad file name: " + e.getMessage());
            return null;
        }
    }

    /**
     * The object a request for {@code name} addresses: the name itself, or with
     * {@link ObjectNames#UPLOAD_HEADER} the chunk object of that upload; null after answering 400.
     */
    private String object(Exchange x, String name) {
        String upload = x.header(ObjectNames.UPLOAD_HEADER);
        if (upload == null) {
            return name;
        }
        try {
            return ObjectNames.chunkObject(name, upload.strip()).objectName();
        } catch (IllegalArgumentException e) {
            error(x, 400, "Bad chunk: " + e.getMessage());
            return null;
        }
    }

    /**
     * The chunk name of a chunked file ({@code f_chunk_i}) stands for the chunk object the
     * committed manifest of {@code f} names, so the course's download scripts read the committed
     * version; any other name (and a chunk of a manifest without an upload id) stands for itself.
     */
    private String resolve(String name) {
        Optional<ObjectNames.ChunkName> chunk = ObjectNames.chunkOf(name);
        if (chunk.isEmpty()) {
            return name;
        }
        Optional<Manifest> m;
        try {
            m = Manifests.read(router, chunk.get().file());
        } catch (IOException | RuntimeException e) {
            return name;
        }
        return m.filter(x -> !x.upload().isEmpty() && chunk.get().index() <= x.chunks().size())
                .map(x -> x.chunkObject(chunk.get().index() - 1)).orElse(name);
    }

    // -------------------------------------------------------------------------------------- auth

    /** uploadserver's check_http_authentication; answers 401 and returns false on failure. */
    private boolean authenticated(Exchange x, boolean uploadPath, boolean write) {
        BasicAuth.Result r;
        String header = x.header("Authorization");
        if (uploadAuth == null) {
            if (auth == null) {
                return true;
            }
            r = auth.check(header);
        } else if (write) {
            // uploadserver: /upload always needs the upload credentials; our PUT/DELETE are writes too.
            r = uploadAuth.check(header);
        } else if (auth == null) {
            return true;
        } else {
            r = auth.check(header);
            if (!r.valid()) {
                r = uploadAuth.check(header);
            }
        }
        if (r.valid()) {
            return true;
        }
        LOG.log(Level.INFO, "{0}: {1} {2} rejected (401, {3})", node, x.method(), x.uri(), r.message());
        x.answerHeaders().set("WWW-Authenticate", "Basic realm=\"uploadserver\"");
        if (x.hasBody()) {
            x.answerHeaders().set("Connection", "close");
        }
        x.respondEmpty(401, -1);
        return false;
    }

    // -------------------------------------------------------------------------------------- reads

    /** {"objects", "bytes" (live objects, chunk objects included), "used_percent", "capacity_bytes"} of this node's store. */
    private void stats(Exchange x) {
        List<ObjectMeta> live = store.list().stream().filter(m -> !m.tombstone()).toList(); // chunk objects too
        long bytes = live.stream().mapToLong(ObjectMeta::size).sum();
        String json = String.format(Locale.ROOT, "{\"objects\":%d,\"bytes\":%d,\"used_percent\":%.2f,\"capacity_bytes\":%d}",
                live.size(), bytes, store.usedPercent(), store.capacityBytes());
        x.respond(200, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #HEALTH_PATH}: serving; {@link #READY_PATH}: also a member of a ring with the store open. */
    private void probe(Exchange x, boolean readiness) {
        Operations o = operations;
        if (!readiness) {
            x.respond(200, "text/plain; charset=utf-8", "ok\n".getBytes(StandardCharsets.UTF_8));
        } else if (o != null && o.ready().getAsBoolean()) {
            x.respond(200, "text/plain; charset=utf-8", "ready\n".getBytes(StandardCharsets.UTF_8));
        } else {
            x.respond(503, "text/plain; charset=utf-8", "not ready: not a member of a ring yet\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The metrics, the console page or its status: a few KB each, made whole and then sent. */
    private void operations(Exchange x, String path) throws IOException {
        Operations o = operations;
        if (o == null) {
            error(x, 404, "This node has no console and keeps no metrics");
            return;
        }
        if (path.equals(CONSOLE_PATH)) {
            x.respond(200, HTML, o.consolePage());
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean metrics = path.equals(METRICS_PATH);
        (metrics ? o.metrics() : o.status()).to(out);
        x.respond(200, metrics ? o.metricsType() : "application/json", out.toByteArray());
    }

    /** {@link #GC_PATH}: the chunk objects of abandoned uploads this node collects (or would, in a dry run). */
    private void collection(Exchange x, boolean dryRun) throws IOException {
        Uploads u = uploads;
        if (u == null) {
            error(x, 404, "This node collects no uploads (it is not in a ring)");
            return;
        }
        List<Map<String, Object>> orphans = new ArrayList<>();
        long bytes = 0;
        for (Uploads.Orphan o : u.collect(dryRun)) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", o.name());
            e.put("file", o.file());
            e.put("upload", o.upload());
            e.put("size", o.size());
            e.put("last_active", Instant.ofEpochMilli(o.lastActiveMillis()).toString());
            orphans.add(e);
            bytes += o.size();
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("node", node);
        answer.put("dry_run", dryRun);
        answer.put("objects", orphans.size());
        answer.put("bytes", bytes);
        answer.put("orphans", orphans);
        x.respond(200, "application/json", JSON.writeValueAsBytes(answer));
    }

    private void listing(Exchange x) throws IOException {
        String query = x.rawQuery();
        boolean chunks = flag(query, "all");
        RingListing.Listing l = flag(query, "local") ? listing.here(chunks) : listing.ring(chunks);
        HttpHeaders h = x.answerHeaders();
        h.set("X-ChordFS-Listing-Nodes", Integer.toString(l.nodes()));
        if (!l.unanswered().isEmpty()) {
            h.set("X-ChordFS-Listing-Unanswered", Pages.addresses(l.unanswered()));
        }
        if (l.cutAt() > 0) {
            h.set("X-ChordFS-Listing-Cut", Integer.toString(l.cutAt()));
        }
        if (!l.wholeRing()) {
            h.set("X-ChordFS-Listing-Partial", "1");
        }
        String accept = x.header("Accept");
        if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json")) {
            x.respond(200, "application/json", Pages.listingJson(l.objects()));
        } else {
            x.respond(200, HTML, Pages.listing(l));
        }
    }

    /** True when the raw query has {@code name=1}. */
    private static boolean flag(String rawQuery, String name) {
        return rawQuery != null && List.of(rawQuery.split("&")).contains(name + "=1");
    }

    /** GET or HEAD of {@code name}, stored as {@code object} (a chunk object when asked for one). */
    private void get(Exchange x, String name, String object) throws IOException {
        if (object.equals(name)) {
            object = resolve(name);
        }
        boolean chunkObject = !object.equals(name);
        if (chunkObject) {
            store.touch(object); // a client reads or checks it: not abandoned (a no-op unless held here)
        }
        Optional<ObjectSource> opened;
        try {
            opened = router.open(object);
        } catch (CorruptObjectException e) {
            corrupt(x, name, e);
            return;
        }
        if (opened.isEmpty()) {
            LOG.log(Level.DEBUG, () -> node + ": " + x.method() + " " + name + ": 404");
            error(x, 404, "File not found");
            return;
        }
        ObjectSource src;
        try {
            src = ChunkedFiles.resolve(router, opened.get(), name, chunkObject || rawRequested(x));
        } catch (CorruptObjectException e) {
            opened.get().close();
            corrupt(x, name, e);
            return;
        } catch (IOException | RuntimeException e) {
            opened.get().close();
            throw e;
        }
        boolean streaming = false;
        try {
            streaming = answer(x, name, src);
        } finally {
            if (!streaming) {
                src.close();
            }
        }
    }

    /** Answers a GET or HEAD from {@code src}; true when a stream now owns (and will close) it. */
    private boolean answer(Exchange x, String name, ObjectSource src) throws IOException {
        ObjectMeta meta = src.meta();
        long size = meta.size();
        String etag = "\"" + meta.sha256() + "\"";
        HttpHeaders h = x.answerHeaders();
        String lastModified = HttpDates.format(meta.modifiedMillis());
        h.set("Last-Modified", lastModified);
        h.set("ETag", etag);
        if (Conditions.notModified(x.header("If-None-Match"), x.header("If-Modified-Since"), etag,
                meta.modifiedMillis())) {
            x.respondEmpty(304, -1);
            return false;
        }
        h.set("Content-Type", MimeTypes.guess(name));
        h.set("Accept-Ranges", "bytes");
        if (src instanceof ChunkedFiles.Assembled a) {
            h.set("X-ChordFS-Chunks", Integer.toString(a.manifest().chunks().size()));
        }
        ByteRange range = Conditions.range(x.header("Range"), x.header("If-Range"), etag, lastModified, size);
        if (range == ByteRange.UNSATISFIABLE) {
            h.set("Content-Range", "bytes */" + size);
            error(x, 416, "Requested range not satisfiable");
            return false;
        }
        if (range == null && src instanceof ObjectReader && knownCorrupt(meta)) {
            corrupt(x, name, new CorruptObjectException("the store already knows it is damaged"));
            return false;
        }
        int code = range == null ? 200 : 206;
        long offset = range == null ? 0 : range.offset();
        long length = range == null ? size : range.length();
        if (range != null) {
            h.set("Content-Range", range.contentRange(size));
        } else if (rawRequested(x)) {
            // Our client checks the bytes against these and the ETag against its manifest, so
            // it need not hash a chunk it fetches.
            meta.blockCrcHeader().ifPresent(v -> h.set(BlockCrcs.HEADER, v));
        }
        if (x.methodUpper().equals("HEAD") || length == 0) {
            x.respondEmpty(code, length);
            return false;
        }
        // The status line waits for the first block the range touches: corruption found in it is a clean 500.
        int bs = Math.max(1, meta.blockSize());
        long hold = Math.min(offset + length, (offset / bs + 1) * bs) - offset;
        x.stream(code, length, hold, src.piecesClosingSource(offset, length), new Exchange.StreamFailure() {
            @Override
            public void beforeStart(Exchange ex, Throwable e) {
                if (e instanceof ChunkedFiles.ChunkException) {
                    LOG.log(Level.WARNING, "{0}: GET {1}: {2}; answered 502", node, name, e.getMessage());
                    h.remove("ETag");
                    h.remove("Content-Range");
                    h.remove("Accept-Ranges");
                    h.remove("X-ChordFS-Chunks");
                    error(ex, 502, e.getMessage());
                } else if (e instanceof CorruptObjectException c) {
                    corrupt(ex, name, c);
                } else if (e instanceof Exchange.ClientGoneException) {
                    LOG.log(Level.DEBUG, () -> node + ": GET " + name + ": the client went away");
                } else {
                    LOG.log(Level.WARNING, node + ": GET " + name + " failed", e);
                    error(ex, 500, "Server error: " + e.getMessage());
                }
            }

            @Override
            public void afterStart(long sent, Throwable e) {
                if (e instanceof CorruptObjectException) {
                    LOG.log(Level.WARNING, "{0}: stored copy of {1} is corrupt; dropped the connection after {2} "
                            + "good bytes: {3}", node, name, sent, e.getMessage());
                } else if (e instanceof Exchange.ClientGoneException) {
                    LOG.log(Level.DEBUG, () -> node + ": GET " + name + ": the client went away after " + sent + " bytes");
                } else {
                    LOG.log(Level.WARNING, "{0}: GET {1}: {2}; dropped the connection after {3} bytes", node, name,
                            e.getMessage(), sent);
                }
            }
        });
        return true;
    }

    /**
     * For a local copy: true when {@code meta} is the version in the local store and the store already knows that
     * copy has a bad block: a whole-object read would fail part way, so answer 500 before the
     * status line instead. (Ranges of intact blocks are still served.)
     */
    private boolean knownCorrupt(ObjectMeta meta) {
        if (!store.isCorrupt(meta.name())) {
            return false;
        }
        Optional<ObjectMeta> local = store.meta(meta.name());
        return local.isPresent() && local.get().version() == meta.version() && local.get().sha256().equals(meta.sha256());
    }

    private void corrupt(Exchange x, String name, CorruptObjectException e) {
        LOG.log(Level.WARNING, "{0}: stored copy of {1} is corrupt, answered 500: {2}", node, name, e.getMessage());
        x.answerHeaders().remove("ETag");
        x.answerHeaders().remove("Last-Modified");
        x.answerHeaders().remove("Accept-Ranges");
        error(x, 500, "stored copy of " + name + " is corrupt");
    }

    // ------------------------------------------------------------------------------------- writes

    /** Multipart upload to /upload, uploadserver's receive_upload: parsed as the body arrives. */
    private void upload(Exchange x) {
        HeaderParams ct = HeaderParams.parse(x.header("Content-Type"));
        if (!ct.value().equalsIgnoreCase("multipart/form-data")) {
            error(x, 400, "Expected a multipart/form-data body with the files in a field named \"files\"");
            return;
        }
        String boundary = ct.param("boundary");
        if (!MultipartParser.validBoundary(boundary)) {
            error(x, 400, "The multipart/form-data body has no valid boundary");
            return;
        }
        FormUpload form = new FormUpload(store, options.maxObjectBytes());
        OptionalLong n = x.contentLength();
        // the usual small upload needs no more buffer than its body
        int buffer = n.isPresent() ? (int) Math.min(PARSER_BUFFER, n.getAsLong() + 64) : PARSER_BUFFER;
        MultipartParser parser = new MultipartParser(boundary, options.maxPartHeaderBytes(), buffer, form);
        x.readBody(new Exchange.BodySink() {
            @Override
            public void data(ByteBuf bytes) throws IOException {
                parser.feed(bytes.nioBuffer());
            }

            @Override
            public void end() throws IOException {
                try {
                    parser.finish();
                    FormUpload.Refusal refusal = form.refusal();
                    if (refusal != null) {
                        error(x, refusal.status(), refusal.message());
                        return;
                    }
                    commit(x, form.staged());
                } finally {
                    form.discard(); // no-op for what was committed; deletes the temp files otherwise
                }
            }

            @Override
            public void failed(Throwable cause) {
                form.discard();
            }
        });
    }

    /** Commits the staged files of a form upload in the order received, then 204. */
    private void commit(Exchange x, List<StagedWrite> staged) throws IOException {
        int done = 0;
        try {
            for (StagedWrite w : staged) {
                ObjectMeta meta = router.commit(w).meta();
                done++;
                LOG.log(Level.INFO, "{0}: stored {1} ({2} bytes, version {3})", node, w.name(), meta.size(),
                        Long.toString(meta.version()));
            }
        } catch (IOException e) {
            int status = Statuses.of(e);
            LOG.log(Level.WARNING, "{0}: {1} {2} failed ({3}) after {4} of {5} files were stored: {6}", node,
                    x.method(), x.uri(), status, done, staged.size(), e.getMessage());
            error(x, status, explain(status, e));
            return;
        }
        x.respondEmpty(204, -1);
    }

    /** Raw upload: PUT /name with the bytes as the body, written to the store as they arrive. */
    private void put(Exchange x, String name) throws IOException {
        OptionalLong n = x.contentLength();
        if (n.isPresent() && n.getAsLong() > options.maxObjectBytes()) {
            error(x, 413, "'" + name + "' is larger than " + options.maxObjectBytes() + " bytes");
            return;
        }
        String crcHeader = x.header(BlockCrcs.HEADER);
        List<Long> crcs;
        try {
            crcs = crcHeader == null ? null : BlockCrcs.parse(crcHeader);
        } catch (IllegalArgumentException e) {
            error(x, 400, e.getMessage());
            return;
        }
        ObjectRouter.Stage local = () -> {
            StagedWrite w = store.stage(name);
            if (crcs != null) {
                w.expectBlockCrcs(crcs);
            }
            return w;
        };
        // with its length known, the body goes on to the owner or the replica set while it arrives
        WriteStream stream = n.isPresent() ? router.begin(name, n.getAsLong(), crcs, local)
                : WriteStream.staged(local.open(), router::commit);
        StagedBody.stream(x, name, options.maxObjectBytes(), stream, s -> {
            Committed done;
            try {
                done = s.finish();
            } catch (CorruptObjectException e) {
                throw e; // the client's bytes do not match its CRCs: 422, as the host maps it
            } catch (IOException e) {
                int status = Statuses.of(e);
                LOG.log(Level.WARNING, "{0}: PUT {1} failed ({2}): {3}", node, name, status, e.getMessage());
                error(x, status, explain(status, e));
                return;
            }
            String bodySha = s.bodySha256(); // of these bytes, whichever version the commit leaves stored
            ObjectMeta meta = done.meta();
            LOG.log(Level.INFO, "{0}: stored {1} ({2} bytes, version {3}) from PUT", node, name, meta.size(),
                    Long.toString(meta.version()));
            x.answerHeaders().set("ETag", "\"" + meta.sha256() + "\"");
            x.answerHeaders().set(HttpPut.BODY_SHA256, bodySha);
            // decided by the commit itself, so two PUTs racing to create a name cannot both say 201
            x.respondEmpty(done.created() ? 201 : 204, -1);
        });
    }

    private void delete(Exchange x, String name) throws IOException {
        if (!router.delete(name)) {
            LOG.log(Level.INFO, "{0}: DELETE {1}: 404 (absent)", node, name);
            error(x, 404, "File not found");
            return;
        }
        LOG.log(Level.INFO, "{0}: deleted {1}", node, name);
        x.respondEmpty(204, -1);
    }

    // ------------------------------------------------------------------------------------ answers

    /** A failure of a request (or of its body) before any answer: the one map of failures to statuses, our wording. */
    @Override
    public void failed(Exchange x, Throwable e) {
        if (e instanceof MultipartParser.MalformedException) {
            error(x, 400, "Bad multipart body: " + e.getMessage());
        } else if (e instanceof BadNameException) {
            error(x, 400, "Bad file name: " + e.getMessage());
        } else {
            int status = Statuses.of(e);
            error(x, status, explain(status, e));
        }
    }

    /** The message of an error page: the failure's own, after the reason phrase where it helps. */
    private static String explain(int status, Throwable e) {
        return switch (status) {
            case 500 -> "Server error: " + e.getMessage();
            case 502 -> "Bad gateway: " + e.getMessage();
            case 507 -> "Insufficient storage: " + e.getMessage();
            default -> e.getMessage();
        };
    }

    /**
     * http.server's send_error: the HTML error page (no body for HEAD). A request with a body
     * closes its connection after it (the body not read is read and thrown away first, up to a bound).
     */
    @Override
    public void error(Exchange x, int code, String message) {
        if (code >= 500 || !x.methodUpper().equals("GET") && !x.methodUpper().equals("HEAD")) {
            LOG.log(Level.INFO, "{0}: {1} {2} -> {3}: {4}", node, x.method(), x.uri(), code, message);
        }
        if (x.hasBody()) {
            x.answerHeaders().set("Connection", "close");
        }
        x.respond(code, ERROR_TYPE, Pages.error(code, message));
    }
}
