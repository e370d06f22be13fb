package io.chordfs.node.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.net.HttpPut;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.peer.PercentCodec;
import io.chordfs.node.peer.RingUnavailableException;
import io.chordfs.node.peer.Statuses;
import io.chordfs.node.peer.ForwardRefusedException;
import io.chordfs.node.replica.Uploads;
import io.chordfs.node.route.Manifests;
import io.chordfs.node.route.ObjectRouter;
import io.chordfs.node.route.RingListing;
import io.chordfs.node.store.BadNameException;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.Names;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import io.chordfs.node.store.StoreFullException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * Error responses carry http.server's HTML error page. Reads go through {@link ObjectSource#copyTo},
 * which verifies checksums before writing: when the stored copy is found corrupt before the status
 * line went out (the first block touched is always verified first), the answer is 500 "stored copy
 * of X is corrupt"; when it is found later, the connection is dropped, so the client sees a short
 * body against its Content-Length, never bad bytes.
 *
 * <h2>Deliberate differences from uploadserver</h2>
 * <ol>
 * <li>Uploading a name that exists replaces it with a new version (uploadserver without
 * {@code --allow-replace} stores {@code name (1)}); two parts with the same file name in one
 * request: the later wins.</li>
 * <li>Names follow the store's rules: a bad name (e.g. {@code GET /a/b}, {@code GET /x/}, a
 * backslash) is 400, where uploadserver would look into subdirectories or answer 404.</li>
 * <li>Range, ETag, If-None-Match, PUT /name, DELETE; 413/431/503/507 answers, and 502 when the
 * owner refuses a copy this node forwarded to it (damaged on the way; that file is not stored,
 * files of the same upload committed before it stay, as with 503 and 507).</li>
 * <li>HEAD is authenticated too (uploadserver forgets HEAD, leaking sizes), and with
 * basic-auth-upload set, {@code PUT /<name>} and {@code DELETE} need the upload credentials: they
 * are writes. {@code HEAD /upload} describes the upload page (uploadserver: 404).</li>
 * <li>Malformed requests that crash uploadserver's handler (no ':' in the credentials, a missing
 * boundary, ...) get a 400/401 here. Status lines carry the standard reason phrase (the JDK server
 * cannot send uploadserver's custom ones such as "No credentials given"); uploadserver answers
 * HTTP/1.0 and closes, we keep connections alive.</li>
 * </ol>
 *
 * <h2>Threads, limits and timeouts (JDK 17's {@code com.sun.net.httpserver})</h2>
 * The JDK server accepts and waits for requests on one selector thread; idle connections (keep-alive,
 * or accepted and silent) cost no worker thread. When a request's first bytes arrive, the
 * dispatcher hands it to our executor: a {@link ThreadPoolExecutor} of {@link Options#threads}
 * threads with a bounded queue of {@link Options#queueCapacity}. <b>On rejection</b>, JDK 17's
 * {@code ServerImpl.Dispatcher.handle} catches the {@code RejectedExecutionException} (any
 * Throwable), logs it at TRACE and closes the connection without a response. We do better: a
 * rejected exchange goes to a small overflow pool (2 threads, no queue) that reads the request
 * head and answers 503 with {@code Retry-After: 1} and {@code Connection: close}; when that pool is
 * busy too, the rejection reaches the JDK, which drops the connection. Nothing ever queues without
 * bound, and the dispatcher never runs a request itself.
 * <p>The JDK reads its limits from system properties once, when the first HttpServer in the JVM
 * starts (JDK 17.0.15 supports: {@code sun.net.httpserver.idleInterval} (s, default 30; also bounds
 * a silent newly accepted connection), {@code .clockTick} (ms, how often idle connections are
 * checked, default 10000), {@code .maxIdleConnections} (200), {@code .maxReqHeaders} (200),
 * {@code .maxReqHeaderSize} (bytes, 380 KiB; beyond it the connection is closed without a
 * response), {@code .maxReqTime} / {@code .maxRspTime} (s, default none: deadlines for receiving
 * a whole request and sending a whole response), {@code .timerMillis}, {@code .drainAmount},
 * {@code .nodelay}, and {@code jdk.httpserver.maxConnections}; the old {@code readTimeout} /
 * {@code writeTimeout} are ignored). {@link #configureJdkHttpServer} sets them from the options
 * unless set already (e.g. by -D); {@link #start} calls it, and the daemon's main should call it
 * before any HttpServer is created. We set idleInterval, clockTick, maxReqHeaderSize, maxReqTime
 * (the only bound on a client trickling its request head; generous, since it also covers the
 * body) and maxConnections, not maxRspTime: a deadline would cut off large downloads. Stalled bodies
 * are handled per read/write by {@link IoWatchdog} ({@link Options#ioTimeout}). We also check the
 * request head against {@link Options#maxHeaderBytes} ourselves (431), for when the JDK property
 * could not be applied.
 * <p>Known limit of the JDK server: it reads a request's head on the worker thread, before our
 * handler runs, so a client that trickles a head ("slowloris") holds a worker until maxReqTime
 * ({@link Options#requestTimeout}) closes it; enough of them fill the pool and the queue, and
 * then new requests get 503. Silent connections, slow bodies and stalled downloads do not have
 * this problem.
 * <p>{@code TCP_NODELAY}: without it, small responses wait ~40 ms for Nagle and delayed ACKs. The
 * JDK turns it on for accepted sockets when {@code sun.net.httpserver.nodelay=true}, which it
 * reads once; this class's static initializer sets it (unless already set) before the
 * HttpServer classes are first used, and the daemon's main does too.
 *
 * <h2>Logging</h2>
 * INFO: one line per upload, delete and error, with the node's address and the name; GETs only
 * at DEBUG.
 */
public final class FileServer implements AutoCloseable {
    static final String NODELAY = "sun.net.httpserver.nodelay";

    static {
        // Must happen before sun.net.httpserver.ServerConfig is initialized (first HttpServer).
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
    }

    private static final System.Logger LOG = System.getLogger(FileServer.class.getName());
    private static final String UPLOAD_PATH = "/upload";
    /** Node statistics for fs-client ring; no object can be named ".chordfs", so this never shadows one. */
    static final String STATS_PATH = "/.chordfs/stats";
    /** GET: what collection of abandoned uploads would remove on this node now; POST: collect now. */
    static final String GC_PATH = "/.chordfs/gc";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARSER_BUFFER = 64 * 1024;
    /** After a failed upload, read at most this much of the rest so the client gets the answer. */
    private static final long DRAIN_LIMIT = 64L << 20;
    private static final String HTML = "text/html; charset=utf-8";
    private static final String ERROR_TYPE = "text/html;charset=utf-8";

    /**
     * Settings of one file server.
     *
     * @param basicAuth          {@code user:pass} required for every request, or null
     * @param basicAuthUpload    {@code user:pass} required for uploads (and our writes), or null
     * @param maxHeaderBytes     largest request head (request line and headers); beyond: 431 or a closed connection
     * @param maxPartHeaderBytes largest header block of one multipart part; beyond: 400
     * @param maxObjectBytes     largest single file; beyond: 413 (the store's quota applies as well)
     * @param threads            worker threads
     * @param queueCapacity      requests that may wait for a worker; beyond: 503 (then dropped connections)
     * @param idleTimeout        an idle keep-alive or silent new connection is closed after this (JVM-wide)
     * @param requestTimeout     deadline to receive a whole request, head and body (JVM-wide, JDK maxReqTime)
     * @param ioTimeout          a body read or write that makes no progress for this long drops the connection
     */
    public record Options(String basicAuth, String basicAuthUpload, int maxHeaderBytes, int maxPartHeaderBytes,
                          long maxObjectBytes, int threads, int queueCapacity, Duration idleTimeout,
                          Duration requestTimeout, Duration ioTimeout) {
        public Options {
            BasicAuth.of(basicAuth); // validates user:pass
            BasicAuth.of(basicAuthUpload);
            if (maxHeaderBytes < 1024 || maxPartHeaderBytes < 256 || maxObjectBytes < 0 || threads < 1
                    || queueCapacity < 1) {
                throw new IllegalArgumentException("bad file server limits");
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero() || requestTimeout.isNegative()
                    || requestTimeout.isZero() || ioTimeout.isNegative() || ioTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }

        /** No auth, 64 KiB heads, 16 KiB part heads, no object limit, 16 threads, queue 64, 30 s idle, 1 h request, 60 s I/O. */
        public static Options defaults() {
            return new Options(null, null, 64 * 1024, 16 * 1024, Long.MAX_VALUE, 16, 64,
                    Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(60));
        }

        /** {@code --basic-auth} and {@code --basic-auth-upload} ({@code user:pass} each, or null). */
        public Options withBasicAuth(String basicAuth, String basicAuthUpload) {
            return new Options(basicAuth, basicAuthUpload, maxHeaderBytes, maxPartHeaderBytes, maxObjectBytes, threads,
                    queueCapacity, idleTimeout, requestTimeout, ioTimeout);
        }

        public Options withLimits(int maxHeaderBytes, int maxPartHeaderBytes, long maxObjectBytes) {
            return new Options(basicAuth, basicAuthUpload, maxHeaderBytes, maxPartHeaderBytes, maxObjectBytes, threads,
                    queueCapacity, idleTimeout, requestTimeout, ioTimeout);
        }

        /** {@code --max-object-size}. */
        public Options withMaxObjectBytes(long max) {
            return withLimits(maxHeaderBytes, maxPartHeaderBytes, max);
        }

        public Options withThreads(int threads, int queueCapacity) {
            return new Options(basicAuth, basicAuthUpload, maxHeaderBytes, maxPartHeaderBytes, maxObjectBytes, threads,
                    queueCapacity, idleTimeout, requestTimeout, ioTimeout);
        }

        public Options withTimeouts(Duration idleTimeout, Duration requestTimeout, Duration ioTimeout) {
            return new Options(basicAuth, basicAuthUpload, maxHeaderBytes, maxPartHeaderBytes, maxObjectBytes, threads,
                    queueCapacity, idleTimeout, requestTimeout, ioTimeout);
        }
    }

    private final HttpServer server;
    private final ObjectStore store;
    private final ObjectRouter router;
    private final RingListing listing;
    private final Options options;
    private final BasicAuth auth;
    private final BasicAuth uploadAuth;
    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor overflow;
    private final IoWatchdog watchdog;
    private final String node;
    /** Chunked files (fs-client's manifests) are answered assembled; see {@link ChunkedFiles}. */
    private volatile Uploads uploads;

    private FileServer(HttpServer server, ObjectStore store, ObjectRouter router, RingListing listing, Options options,
                       ThreadPoolExecutor workers, ThreadPoolExecutor overflow, IoWatchdog watchdog) {
        this.server = server;
        this.store = store;
        this.router = router;
        this.listing = listing;
        this.options = options;
        this.auth = BasicAuth.of(options.basicAuth());
        this.uploadAuth = BasicAuth.of(options.basicAuthUpload());
        this.workers = workers;
        this.overflow = overflow;
        this.watchdog = watchdog;
        InetSocketAddress a = server.getAddress();
        this.node = a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** Binds {@code bind} (port 0: any free port) and starts serving; {@code GET /} lists what {@code listing} gathers. */
    public static FileServer start(InetSocketAddress bind, ObjectStore store, ObjectRouter router, RingListing listing,
                                   Options options) throws IOException {
        configureJdkHttpServer(options);
        AtomicInteger ids = new AtomicInteger();
        String port = Integer.toString(bind.getPort());
        ThreadPoolExecutor overflow = new ThreadPoolExecutor(0, 2, 10, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> daemon(new OverflowThread(r, "http-" + port + "-overflow-" + ids.incrementAndGet())),
                new ThreadPoolExecutor.AbortPolicy());
        ThreadPoolExecutor workers = new ThreadPoolExecutor(options.threads(), options.threads(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(options.queueCapacity()),
                r -> daemon(new Thread(r, "http-" + port + "-worker-" + ids.incrementAndGet())),
                (r, pool) -> {
                    if (pool.isShutdown()) {
                        throw new RejectedExecutionException("file server stopped");
                    }
                    overflow.execute(r); // throws RejectedExecutionException: the JDK then drops the connection
                });
        workers.allowCoreThreadTimeOut(true);
        IoWatchdog watchdog = new IoWatchdog(options.ioTimeout().toMillis(), "http-" + port + "-watchdog");
        HttpServer server;
        try {
            server = HttpServer.create(bind, 256);
        } catch (IOException | RuntimeException e) {
            workers.shutdownNow();
            overflow.shutdownNow();
            watchdog.close();
            throw e;
        }
        FileServer fs = new FileServer(server, store, router, listing, options, workers, overflow, watchdog);
        server.createContext("/", fs::handle);
        server.setExecutor(workers);
        server.start();
        LOG.log(Level.INFO, "{0}: file server listening (uploadserver-compatible), {1} threads", fs.node, options.threads());
        return fs;
    }

    /**
     * Sets the JDK HttpServer's JVM-wide limits from {@code options}, each only if not set already.
     * They take effect only if no HttpServer was created in this JVM before (the JDK reads them
     * once); call it early in main. See the class comment for what each one does.
     */
    public static void configureJdkHttpServer(Options options) {
        long idleSeconds = Math.max(1, options.idleTimeout().toSeconds());
        setIfAbsent(NODELAY, "true");
        setIfAbsent("sun.net.httpserver.idleInterval", Long.toString(idleSeconds));
        setIfAbsent("sun.net.httpserver.clockTick", Long.toString(Math.max(100, Math.min(10_000, idleSeconds * 1000 / 3))));
        setIfAbsent("sun.net.httpserver.maxReqTime", Long.toString(Math.max(1, options.requestTimeout().toSeconds())));
        setIfAbsent("sun.net.httpserver.maxReqHeaderSize", Integer.toString(options.maxHeaderBytes()));
        setIfAbsent("jdk.httpserver.maxConnections", "2000");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The bound address (with the real port when started on port 0). */
    /** Serves {@link #GC_PATH} with {@code u}'s collection of abandoned uploads. */
    public void collectWith(Uploads u) {
        uploads = u;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /**
     * Stops accepting and drops open connections (so handlers waiting on a client fail at once),
     * then gives running handlers up to 5 s to finish what they do with the store (a commit is
     * never interrupted half way unless that runs out), and stops the threads.
     */
    @Override
    public void close() {
        server.stop(0);
        workers.shutdown();
        overflow.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        overflow.shutdownNow();
        watchdog.close();
        LOG.log(Level.INFO, "{0}: file server stopped", node);
    }

    // ---------------------------------------------------------------------------------- dispatch

    /** A worker thread taken from the overflow pool: it only answers 503. */
    private static final class OverflowThread extends Thread {
        OverflowThread(Runnable r, String name) {
            super(r, name);
        }
    }

    private static Thread daemon(Thread t) {
        t.setDaemon(true);
        return t;
    }

    /** The connection must be dropped without (more of) a response. */
    private static final class AbortException extends IOException {
        AbortException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One request: the exchange and its guarded streams. */
    private final class Call {
        final HttpExchange ex;
        final String method;
        final InputStream in;
        final OutputStream out;
        final IoWatchdog.Guard guard;

        Call(HttpExchange ex, IoWatchdog.Guard guard) {
            this.ex = ex;
            this.method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            this.guard = guard;
            this.in = guard.wrap(ex.getRequestBody());
            this.out = guard.wrap(ex.getResponseBody());
        }

        boolean head() {
            return method.equals("HEAD");
        }

        String header(String name) {
            return ex.getRequestHeaders().getFirst(name);
        }

        /** The request's Content-Length, when it has a number there. */
        OptionalLong contentLength() {
            String cl = header("Content-Length");
            try {
                return cl == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(cl.strip()));
            } catch (NumberFormatException e) {
                return OptionalLong.empty(); // the JDK has already rejected a malformed one
            }
        }

        boolean hasBody() {
            String te = header("Transfer-Encoding");
            String cl = header("Content-Length");
            return te != null || cl != null && !cl.strip().equals("0");
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        IoWatchdog.Guard guard = watchdog.guard();
        boolean aborted = false;
        Call c = new Call(ex, guard);
        try {
            try {
                dispatch(c);
            } catch (AbortException | IoWatchdog.ClientIOException e) {
                aborted = true;
                // A download the client walked away from is routine (DEBUG); a lost upload is not.
                boolean read = c.method.equals("GET") || c.method.equals("HEAD");
                LOG.log(read ? Level.DEBUG : Level.INFO, "{0}: dropped the connection of {1} {2}{3}: {4}", node,
                        ex.getRequestMethod(), ex.getRequestURI(), read ? "" : " (nothing stored)", e.getMessage());
                throw e; // the JDK closes the connection: the client sees a truncated response
            } catch (IOException | RuntimeException e) {
                if (ex.getResponseCode() != -1) {
                    aborted = true;
                    LOG.log(Level.WARNING, node + ": " + ex.getRequestMethod() + " " + ex.getRequestURI()
                            + " failed after the response started; connection dropped", e);
                    throw e instanceof IOException io ? io : new IOException(e);
                }
                LOG.log(Level.WARNING, node + ": " + ex.getRequestMethod() + " " + ex.getRequestURI() + " failed", e);
                error(c, 500, "Server error: " + e.getMessage(), true);
            }
        } finally {
            guard.close();
            if (!aborted) {
                ex.close();
            }
        }
    }

    private void dispatch(Call c) throws IOException {
        if (Thread.currentThread() instanceof OverflowThread) {
            c.ex.getResponseHeaders().set("Retry-After", "1");
            error(c, 503, "Server busy, try again", true);
            return;
        }
        int headBytes = headBytes(c.ex);
        if (headBytes > options.maxHeaderBytes()) {
            error(c, 431, "Request header fields too large (" + headBytes + " bytes, at most "
                    + options.maxHeaderBytes() + ")", true);
            return;
        }
        String m = c.method;
        if (!m.equals("GET") && !m.equals("HEAD") && !m.equals("POST") && !m.equals("PUT") && !m.equals("DELETE")) {
            error(c, 501, "Unsupported method ('" + c.ex.getRequestMethod() + "')", true);
            return;
        }
        URI uri = c.ex.getRequestURI();
        String rawPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        // uploadserver compares handler.path (path and query as sent) with "/upload".
        boolean uploadPath = rawPath.equals(UPLOAD_PATH) && uri.getRawQuery() == null;
        boolean write = uploadPath || m.equals("PUT") || m.equals("DELETE");
        if (!authenticated(c, uploadPath, write)) {
            return;
        }
        switch (m) {
            case "GET", "HEAD" -> {
                if (uploadPath) {
                    sendBytes(c, 200, HTML, Pages.UPLOAD_PAGE);
                } else if (rawPath.equals("/")) {
                    listing(c);
                } else if (rawPath.equals(STATS_PATH)) {
                    stats(c);
                } else if (rawPath.equals(GC_PATH)) {
                    collection(c, true);
                } else {
                    String name = name(c, rawPath);
                    String object = name == null ? null : object(c, name);
                    if (object != null) {
                        get(c, name, object);
                    }
                }
            }
            case "POST" -> {
                if (uploadPath) {
                    upload(c);
                } else if (rawPath.equals(GC_PATH)) {
                    collection(c, false);
                } else {
                    error(c, 404, "Can only POST/PUT to /upload", true);
                }
            }
            case "PUT" -> {
                if (uploadPath) {
                    upload(c);
                } else {
                    String name = name(c, rawPath);
                    String object = name == null ? null : object(c, name);
                    if (object != null) {
                        put(c, object);
                    }
                }
            }
            case "DELETE" -> {
                String name = name(c, rawPath);
                String object = name == null ? null : object(c, name);
                if (object != null) {
                    delete(c, object);
                }
            }
            default -> throw new AssertionError(m);
        }
    }

    private static int headBytes(HttpExchange ex) {
        int n = ex.getRequestMethod().length() + ex.getRequestURI().toString().length() + 12;
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            for (String v : h.getValue()) {
                n += h.getKey().length() + (v == null ? 0 : v.length()) + 4;
            }
        }
        return n;
    }

    /** Whether the stored bytes themselves were asked for ({@code X-ChordFS-Raw: 1} or {@code ?raw=1}): a manifest, not its file. */
    private static boolean rawRequested(Call c) {
        String h = c.header(Manifest.RAW_HEADER);
        if (h != null && !h.isBlank() && !h.strip().equals("0")) {
            return true;
        }
        String q = c.ex.getRequestURI().getRawQuery();
        return q != null && (q.equals("raw") || q.equals("raw=1") || q.startsWith("raw=1&") || q.contains("&raw=1"));
    }

    /** The object name of a path, or null after answering 400. */
    private String name(Call c, String rawPath) throws IOException {
        try {
            return PercentCodec.decodeName(rawPath.substring(1));
        } catch (IllegalArgumentException e) { // BadNameException too
            error(c, 400, "Bad file name: " + e.getMessage(), true);
            return null;
        }
    }

    /**
     * The object a request for {@code name} addresses: the name itself, or with
     * {@link ObjectNames#UPLOAD_HEADER} the chunk object of that upload; null after answering 400.
     */
    private String object(Call c, String name) throws IOException {
        String upload = c.header(ObjectNames.UPLOAD_HEADER);
        if (upload == null) {
            return name;
        }
        try {
            return ObjectNames.chunkObject(name, upload.strip()).objectName();
        } catch (IllegalArgumentException e) {
            error(c, 400, "Bad chunk: " + e.getMessage(), true);
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
    private boolean authenticated(Call c, boolean uploadPath, boolean write) throws IOException {
        BasicAuth.Result r;
        String header = c.header("Authorization");
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
        LOG.log(Level.INFO, "{0}: {1} {2} rejected (401, {3})", node, c.ex.getRequestMethod(), c.ex.getRequestURI(),
                r.message());
        Headers h = c.ex.getResponseHeaders();
        h.set("WWW-Authenticate", "Basic realm=\"uploadserver\"");
        if (c.hasBody()) {
            h.set("Connection", "close");
        }
        c.ex.sendResponseHeaders(401, -1);
        return false;
    }

    // -------------------------------------------------------------------------------------- reads

    /** {"objects", "bytes" (live objects, chunk objects included), "used_percent", "capacity_bytes"} of this node's store. */
    private void stats(Call c) throws IOException {
        List<ObjectMeta> live = store.list().stream().filter(m -> !m.tombstone()).toList(); // chunk objects too
        long bytes = live.stream().mapToLong(ObjectMeta::size).sum();
        String json = String.format(Locale.ROOT, "{\"objects\":%d,\"bytes\":%d,\"used_percent\":%.2f,\"capacity_bytes\":%d}",
                live.size(), bytes, store.usedPercent(), store.capacityBytes());
        sendBytes(c, 200, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #GC_PATH}: the chunk objects of abandoned uploads this node collects (or would, in a dry run). */
    private void collection(Call c, boolean dryRun) throws IOException {
        Uploads u = uploads;
        if (u == null) {
            error(c, 404, "This node collects no uploads (it is not in a ring)", false);
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
        sendBytes(c, 200, "application/json", JSON.writeValueAsBytes(answer));
    }

    private void listing(Call c) throws IOException {
        String query = c.ex.getRequestURI().getRawQuery();
        boolean chunks = flag(query, "all");
        RingListing.Listing l;
        try {
            l = flag(query, "local") ? listing.here(chunks) : listing.ring(chunks);
        } catch (RingUnavailableException e) {
            error(c, 503, e.getMessage(), false);
            return;
        }
        Headers h = c.ex.getResponseHeaders();
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
        String accept = c.header("Accept");
        if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json")) {
            sendBytes(c, 200, "application/json", Pages.listingJson(l.objects()));
        } else {
            sendBytes(c, 200, HTML, Pages.listing(l));
        }
    }

    /** True when the raw query has {@code name=1}. */
    private static boolean flag(String rawQuery, String name) {
        return rawQuery != null && List.of(rawQuery.split("&")).contains(name + "=1");
    }

    /** GET or HEAD of {@code name}, stored as {@code object} (a chunk object when asked for one). */
    private void get(Call c, String name, String object) throws IOException {
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
            corrupt(c, name, e);
            return;
        } catch (RingUnavailableException e) {
            error(c, 503, e.getMessage(), false);
            return;
        }
        if (opened.isEmpty()) {
            LOG.log(Level.DEBUG, () -> node + ": " + c.method + " " + name + ": 404");
            error(c, 404, "File not found", false);
            return;
        }
        ObjectSource src;
        try {
            src = ChunkedFiles.resolve(router, opened.get(), name, chunkObject || rawRequested(c));
        } catch (CorruptObjectException e) {
            opened.get().close();
            corrupt(c, name, e);
            return;
        } catch (IOException | RuntimeException e) {
            opened.get().close();
            throw e;
        }
        try (src) {
            ObjectMeta meta = src.meta();
            long size = meta.size();
            String etag = "\"" + meta.sha256() + "\"";
            Headers h = c.ex.getResponseHeaders();
            String lastModified = HttpDates.format(meta.modifiedMillis());
            h.set("Last-Modified", lastModified);
            h.set("ETag", etag);
            if (Conditions.notModified(c.header("If-None-Match"), c.header("If-Modified-Since"), etag,
                    meta.modifiedMillis())) {
                c.ex.sendResponseHeaders(304, -1);
                return;
            }
            h.set("Content-Type", MimeTypes.guess(name));
            h.set("Accept-Ranges", "bytes");
            if (src instanceof ChunkedFiles.Assembled a) {
                h.set("X-ChordFS-Chunks", Integer.toString(a.manifest().chunks().size()));
            }
            ByteRange range = Conditions.range(c.header("Range"), c.header("If-Range"), etag, lastModified, size);
            if (range == ByteRange.UNSATISFIABLE) {
                h.set("Content-Range", "bytes */" + size);
                error(c, 416, "Requested range not satisfiable", false);
                return;
            }
            if (range == null && src instanceof ObjectReader && knownCorrupt(meta)) {
                corrupt(c, name, new CorruptObjectException("the store already knows it is damaged"));
                return;
            }
            int code = range == null ? 200 : 206;
            long offset = range == null ? 0 : range.offset();
            long length = range == null ? size : range.length();
            if (range != null) {
                h.set("Content-Range", range.contentRange(size));
            } else if (rawRequested(c)) {
                // Our client checks the bytes against these and the ETag against its manifest, so
                // it need not hash a chunk it fetches.
                meta.blockCrcHeader().ifPresent(v -> h.set(BlockCrcs.HEADER, v));
            }
            if (c.head()) {
                h.set("Content-Length", Long.toString(length));
                c.ex.sendResponseHeaders(code, -1);
                return;
            }
            if (length == 0) {
                c.ex.sendResponseHeaders(code, -1);
                return;
            }
            // One copyTo for the whole range (a source may be a sequential stream), through a
            // stream that holds back the status line until the first block the range touches has
            // been verified and written: corruption found before that is a clean 500.
            int bs = Math.max(1, meta.blockSize());
            long firstEnd = Math.min(offset + length, (offset / bs + 1) * bs);
            HeldResponse body = new HeldResponse(c.ex, c.out, code, length, firstEnd - offset);
            try {
                src.copyTo(body, offset, length);
            } catch (ChunkedFiles.ChunkException e) {
                if (!body.started()) {
                    LOG.log(Level.WARNING, "{0}: GET {1}: {2}; answered 502", node, name, e.getMessage());
                    h.remove("ETag");
                    h.remove("Content-Range");
                    h.remove("Accept-Ranges");
                    h.remove("X-ChordFS-Chunks");
                    error(c, 502, e.getMessage(), false);
                    return;
                }
                LOG.log(Level.WARNING, "{0}: GET {1}: {2}; dropped the connection", node, name, e.getMessage());
                throw new AbortException(e.getMessage(), e);
            } catch (CorruptObjectException e) {
                if (!body.started()) {
                    corrupt(c, name, e);
                    return;
                }
                LOG.log(Level.WARNING, "{0}: stored copy of {1} is corrupt; dropped the connection after {2} "
                        + "good bytes: {3}", node, name, body.count(), e.getMessage());
                throw new AbortException("stored copy of " + name + " is corrupt", e);
            }
            if (body.count() != length) {
                String msg = "the source of " + name + " gave " + body.count() + " of " + length + " bytes";
                if (!body.started()) {
                    throw new IOException(msg); // answered 500 by handle()
                }
                LOG.log(Level.WARNING, "{0}: {1}; dropped the connection", node, msg);
                throw new AbortException(msg, null);
            }
            body.finish();
            c.out.flush();
        }
    }

    /**
     * The response body of a GET, of a stored object here or of a chunked file in
     * {@link ChunkedFiles}: the first {@code hold} bytes are kept back, and the status line
     * ({@code code}, Content-Length {@code length}) is sent only once they are all there, so a
     * failure before that can still become an error status (500 here, 502 there); then everything
     * passes straight through. Writing more than {@code length} bytes is an IOException: a source
     * must never stretch a response beyond the Content-Length already promised.
     */
    static final class HeldResponse extends OutputStream {
        private final HttpExchange ex;
        private final OutputStream out;
        private final int code;
        private final long length;
        private final long hold;
        private ByteArrayOutputStream held;
        private boolean started;
        private long count;

        HeldResponse(HttpExchange ex, OutputStream out, int code, long length, long hold) {
            this.ex = ex;
            this.out = out;
            this.code = code;
            this.length = length;
            this.hold = hold;
            this.held = new ByteArrayOutputStream((int) Math.min(hold, 1 << 20));
        }

        boolean started() {
            return started;
        }

        long count() {
            return count;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > length - count) {
                throw new IOException("the source wrote more than the " + length + " bytes asked for");
            }
            count += len;
            if (started) {
                out.write(b, off, len);
                return;
            }
            held.write(b, off, len);
            if (held.size() >= hold) {
                finish();
            }
        }

        /** Sends the status line and what is held (if not done yet). */
        void finish() throws IOException {
            if (!started) {
                started = true;
                ex.sendResponseHeaders(code, length);
                held.writeTo(out);
                held = null;
            }
        }
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

    private void corrupt(Call c, String name, CorruptObjectException e) throws IOException {
        LOG.log(Level.WARNING, "{0}: stored copy of {1} is corrupt, answered 500: {2}", node, name, e.getMessage());
        c.ex.getResponseHeaders().remove("ETag");
        c.ex.getResponseHeaders().remove("Last-Modified");
        c.ex.getResponseHeaders().remove("Accept-Ranges");
        error(c, 500, "stored copy of " + name + " is corrupt", false);
    }

    // ------------------------------------------------------------------------------------- writes

    /** Multipart upload to /upload, uploadserver's receive_upload. */
    private void upload(Call c) throws IOException {
        HeaderParams ct = HeaderParams.parse(c.header("Content-Type"));
        if (!ct.value().equalsIgnoreCase("multipart/form-data")) {
            uploadFailed(c, 400, "Expected a multipart/form-data body with the files in a field named \"files\"", null);
            return;
        }
        String boundary = ct.param("boundary");
        if (!MultipartParser.validBoundary(boundary)) {
            uploadFailed(c, 400, "The multipart/form-data body has no valid boundary", null);
            return;
        }
        FormUpload form = new FormUpload(store, options.maxObjectBytes());
        MultipartParser parser = new MultipartParser(boundary, options.maxPartHeaderBytes(), parserBuffer(c), form);
        try {
            try {
                byte[] b = new byte[PARSER_BUFFER];
                for (int n; !parser.done() && (n = c.in.read(b)) >= 0; ) {
                    parser.feed(b, 0, n);
                }
                parser.finish();
            } catch (MultipartParser.MalformedException e) {
                uploadFailed(c, 400, "Bad multipart body: " + e.getMessage(), form.staged());
                return;
            } catch (IOException e) {
                int status = status(e);
                if (status == 500) {
                    throw e;
                }
                uploadFailed(c, status, explain(status, e), form.staged());
                return;
            } catch (BadNameException e) {
                uploadFailed(c, 400, "Bad file name: " + e.getMessage(), form.staged());
                return;
            }
            FormUpload.Refusal refusal = form.refusal();
            if (refusal != null) {
                uploadFailed(c, refusal.status(), refusal.message(), form.staged());
                return;
            }
            int done = 0;
            try {
                for (StagedWrite w : form.staged()) {
                    ObjectMeta meta = router.commit(w).meta();
                    done++;
                    LOG.log(Level.INFO, "{0}: stored {1} ({2} bytes, version {3})", node, w.name(), meta.size(),
                            Long.toString(meta.version()));
                }
            } catch (IOException e) {
                int status = status(e);
                if (status == 500) {
                    throw e;
                }
                commitFailed(c, status, explain(status, e), form.staged(), done);
                return;
            }
            c.ex.sendResponseHeaders(204, -1);
        } finally {
            form.discard(); // no-op for what was committed; deletes the temp files otherwise
        }
    }

    /** The multipart buffer: {@link #PARSER_BUFFER}, or less when the whole body is smaller (the usual small upload). */
    private static int parserBuffer(Call c) {
        OptionalLong n = c.contentLength();
        return n.isPresent() ? (int) Math.min(PARSER_BUFFER, n.getAsLong() + 64) : PARSER_BUFFER;
    }

    /** Raw upload: PUT /name with the bytes as the body. */
    private void put(Call c, String name) throws IOException {
        OptionalLong n = c.contentLength();
        if (n.isPresent() && n.getAsLong() > options.maxObjectBytes()) {
            error(c, 413, "'" + name + "' is larger than " + options.maxObjectBytes() + " bytes", true);
            return;
        }
        String crcHeader = c.header(BlockCrcs.HEADER);
        List<Long> crcs;
        try {
            crcs = crcHeader == null ? null : BlockCrcs.parse(crcHeader);
        } catch (IllegalArgumentException e) {
            uploadFailed(c, 400, e.getMessage(), null);
            return;
        }
        try (StagedWrite w = store.stage(name)) {
            try {
                if (crcs != null) {
                    w.expectBlockCrcs(crcs);
                }
                OutputStream sink = w.out();
                c.in.transferTo(new LimitedOutputStream(sink, options.maxObjectBytes(), name));
                sink.close();
            } catch (IOException e) {
                int status = status(e);
                if (status == 500) {
                    throw e;
                }
                uploadFailed(c, status, explain(status, e), List.of(w));
                return;
            }
            String bodySha = w.sha256(); // of these bytes, whichever version the commit leaves stored
            Committed done;
            try {
                done = router.commit(w);
            } catch (IOException e) {
                int status = status(e);
                if (status == 500) {
                    throw e;
                }
                commitFailed(c, status, explain(status, e), List.of(w), 0);
                return;
            }
            ObjectMeta meta = done.meta();
            LOG.log(Level.INFO, "{0}: stored {1} ({2} bytes, version {3}) from PUT", node, name, meta.size(),
                    Long.toString(meta.version()));
            c.ex.getResponseHeaders().set("ETag", "\"" + meta.sha256() + "\"");
            c.ex.getResponseHeaders().set(HttpPut.BODY_SHA256, bodySha);
            // decided by the commit itself, so two PUTs racing to create a name cannot both say 201
            c.ex.sendResponseHeaders(done.created() ? 201 : 204, -1);
        }
    }

    private void delete(Call c, String name) throws IOException {
        boolean deleted;
        try {
            deleted = router.delete(name);
        } catch (IOException e) {
            int status = status(e);
            if (status == 500) {
                throw e;
            }
            LOG.log(Level.INFO, "{0}: DELETE {1}: {2} ({3})", node, name, status, e.getMessage());
            error(c, status, explain(status, e), false);
            return;
        }
        if (!deleted) {
            LOG.log(Level.INFO, "{0}: DELETE {1}: 404 (absent)", node, name);
            error(c, 404, "File not found", false);
            return;
        }
        LOG.log(Level.INFO, "{0}: deleted {1}", node, name);
        c.ex.sendResponseHeaders(204, -1);
    }

    /** The status a failure is answered with: {@link Statuses}, and 413 for a body over the limit. */
    private static int status(IOException e) {
        return e instanceof TooLargeException ? 413 : Statuses.of(e);
    }

    /** The message of an error page: the failure's own, after the reason phrase where it helps. */
    private static String explain(int status, IOException e) {
        return switch (status) {
            case 502 -> "Bad gateway: " + e.getMessage();
            case 507 -> "Insufficient storage: " + e.getMessage();
            default -> e.getMessage();
        };
    }

    /** Discards every staged write, reads (a bounded amount of) the rest of the body, and answers. */
    private void uploadFailed(Call c, int code, String message, List<StagedWrite> staged) throws IOException {
        if (staged != null) {
            for (StagedWrite w : staged) {
                w.close();
            }
        }
        LOG.log(Level.INFO, "{0}: {1} {2} failed ({3}): {4}; nothing stored", node, c.ex.getRequestMethod(),
                c.ex.getRequestURI(), code, message);
        drain(c.in);
        error(c, code, message, true);
    }

    /** A commit failed after {@code done} files were committed (those stay; the rest are discarded). */
    private void commitFailed(Call c, int code, String message, List<StagedWrite> staged, int done) throws IOException {
        for (StagedWrite w : staged) {
            w.close();
        }
        LOG.log(Level.WARNING, "{0}: {1} {2} failed ({3}) after {4} of {5} files were stored: {6}", node,
                c.ex.getRequestMethod(), c.ex.getRequestURI(), code, done, staged.size(), message);
        error(c, code, message, true);
    }

    private static void drain(InputStream in) {
        byte[] b = new byte[64 * 1024];
        long total = 0;
        try {
            int n;
            while (total < DRAIN_LIMIT && (n = in.read(b)) >= 0) {
                total += n;
            }
        } catch (IOException e) {
            // the answer below may still reach the client
        }
    }

    // ------------------------------------------------------------------------------------ answers

    private static void sendBytes(Call c, int code, String type, byte[] body) throws IOException {
        Headers h = c.ex.getResponseHeaders();
        h.set("Content-Type", type);
        if (c.head()) {
            h.set("Content-Length", Integer.toString(body.length));
            c.ex.sendResponseHeaders(code, -1);
            return;
        }
        c.ex.sendResponseHeaders(code, body.length);
        c.out.write(body);
        c.out.flush();
    }

    /** http.server's send_error: the HTML error page (no body for HEAD). */
    private void error(Call c, int code, String message, boolean close) throws IOException {
        if (code >= 500 || !c.method.equals("GET") && !c.method.equals("HEAD")) {
            LOG.log(Level.INFO, "{0}: {1} {2} -> {3}: {4}", node, c.ex.getRequestMethod(), c.ex.getRequestURI(),
                    code, message);
        }
        Headers h = c.ex.getResponseHeaders();
        if (close || c.hasBody()) {
            h.set("Connection", "close");
        }
        sendBytes(c, code, ERROR_TYPE, Pages.error(code, message));
    }
}
