package io.chordfs.node.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.chordfs.core.manifest.Manifest;
import io.chordfs.node.route.ObjectRouter;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Chunked files written by {@code fs-client upload}: a GET or HEAD of a name whose object is a
 * manifest answers with the whole file, assembled here, so curl, browsers and the course's
 * download scripts see the real content.
 *
 * <p>A manifest is an object of at most {@link Manifest#MAX_BYTES} bytes that {@link Manifest#parse}
 * accepts (the format and its rules are chord-core's {@link Manifest}, which fs-client writes) and
 * that names the requested file. A plain object that starts with {@link Manifest#MAGIC} and parses
 * as a manifest is read as one (accepted, documented); one that does not parse is served as it is.
 *
 * <p>The stored bytes themselves (the manifest) are served when the request has the header
 * {@code X-ChordFS-Raw: 1} or the query {@code ?raw=1}; the client reads manifests that way.
 *
 * <p>The assembled answer: 200 with Content-Length = the file's size, {@code ETag} = the
 * whole file's SHA-256 from the manifest, Last-Modified of the manifest, {@code X-ChordFS-Chunks};
 * single byte ranges are supported (206 / 416, If-Range not honoured: a Range is always served);
 * If-None-Match gives 304. Chunks are read in order through the node's {@link ObjectRouter} (here
 * or from their owners), each checked twice: its stored metadata must have the manifest's size and
 * SHA-256 before any of it is sent, and its bytes are hashed while they stream and must match, with
 * the last byte of every chunk held back until they do. Before the status line goes out, a missing
 * or mismatched first chunk is a 502 naming it; after that, a missing or corrupt chunk drops the
 * connection, so the client sees a body shorter than Content-Length, never a silently short or
 * wrong file. A range still reads each chunk it touches whole (to check it).
 */
final class ChunkedFiles {
    private static final System.Logger LOG = System.getLogger(ChunkedFiles.class.getName());

    private final ObjectRouter router;
    private final String node;

    ChunkedFiles(ObjectRouter router, String node) {
        this.router = router;
        this.node = node;
    }

    /**
     * The parsed manifest, or empty when {@code bytes} are not a valid one: such an object is
     * served as it is, so a refusal is an answer here, not a failure.
     */
    static Optional<Manifest> parse(byte[] bytes) {
        try {
            return Optional.of(Manifest.parse(bytes));
        } catch (IOException notAManifest) {
            return Optional.empty();
        }
    }

    static boolean rawRequested(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst(Manifest.RAW_HEADER);
        if (h != null && !h.isBlank() && !h.strip().equals("0")) {
            return true;
        }
        String q = ex.getRequestURI().getRawQuery();
        return q != null && (q.equals("raw") || q.equals("raw=1") || q.startsWith("raw=1&") || q.contains("&raw=1"));
    }

    /**
     * The hook of {@link FileServer}'s GET/HEAD: when {@code src} is a manifest (and the raw bytes
     * were not asked for), answers the request with the assembled file and returns null; otherwise
     * returns the source to serve as usual. An object of at most {@link Manifest#MAX_BYTES} bytes is
     * read whole, in one {@code copyTo} (so sequential sources still see one call), and then
     * served from memory; a failure of that read is handed back as a source whose copyTo throws
     * it, so the file server answers it as it answers any read failure.
     */
    ObjectSource serveIfManifest(HttpExchange ex, OutputStream out, boolean head, ObjectSource src, String name)
            throws IOException {
        long size = src.meta().size();
        if (rawRequested(ex) || size < Manifest.MAGIC.length() || size > Manifest.MAX_BYTES) {
            return src;
        }
        ByteArrayOutputStream whole = new ByteArrayOutputStream((int) size);
        try {
            src.copyTo(whole, 0, size);
        } catch (IOException e) {
            return new Replayed(src, whole.toByteArray(), e);
        }
        byte[] all = whole.toByteArray();
        if (all.length == size) {
            Optional<Manifest> m = parse(all);
            if (m.isPresent() && m.get().name().equals(name)) {
                serve(ex, out, head, src.meta(), m.get());
                return null;
            }
        }
        return new Replayed(src, all, null);
    }

    /** An object already read into memory (or the failure of that read). */
    private static final class Replayed implements ObjectSource {
        private final ObjectSource src;
        private final byte[] bytes;
        private final IOException failure;

        Replayed(ObjectSource src, byte[] bytes, IOException failure) {
            this.src = src;
            this.bytes = bytes;
            this.failure = failure;
        }

        @Override
        public ObjectMeta meta() {
            return src.meta();
        }

        @Override
        public void copyTo(OutputStream out, long offset, long length) throws IOException {
            if (failure != null) {
                throw failure;
            }
            long n = Math.max(0, Math.min(length, bytes.length - offset));
            out.write(bytes, (int) offset, (int) n); // short when the source was: the server notices
        }

        @Override
        public void close() throws IOException {
            src.close();
        }
    }

    private void serve(HttpExchange ex, OutputStream out, boolean head, ObjectMeta manifestMeta, Manifest m)
            throws IOException {
        Headers h = ex.getResponseHeaders();
        String etag = "\"" + m.sha256() + "\"";
        h.set("ETag", etag);
        h.set("Last-Modified", HttpDates.format(manifestMeta.modifiedMillis()));
        h.set("X-ChordFS-Chunks", Integer.toString(m.chunks().size()));
        String inm = ex.getRequestHeaders().getFirst("If-None-Match");
        if (inm != null && (inm.contains(etag) || inm.strip().equals("*"))) {
            ex.sendResponseHeaders(304, -1);
            return;
        }
        h.set("Content-Type", MimeTypes.guess(m.name()));
        h.set("Accept-Ranges", "bytes");
        long size = m.size();
        String rangeHeader = ex.getRequestHeaders().getFirst("Range");
        ByteRange range = rangeHeader == null ? null : ByteRange.parse(rangeHeader, size);
        if (range == ByteRange.UNSATISFIABLE) {
            h.set("Content-Range", "bytes */" + size);
            plain(ex, head, 416, "Requested range not satisfiable");
            return;
        }
        int code = range == null ? 200 : 206;
        long offset = range == null ? 0 : range.offset();
        long length = range == null ? size : range.length();
        if (range != null) {
            h.set("Content-Range", range.contentRange(size));
        }
        if (head) {
            h.set("Content-Length", Long.toString(length));
            ex.sendResponseHeaders(code, -1);
            return;
        }
        if (length == 0) {
            ex.sendResponseHeaders(code, -1);
            return;
        }
        int first = (int) (offset / m.chunkSize());
        int last = (int) ((offset + length - 1) / m.chunkSize());
        long end = offset + length;
        // The status line waits until the first bytes (up to 1 MiB, or the part of the first chunk
        // in range, whichever is less) are read and, for a chunk that small, verified: a first
        // chunk that is missing, the wrong version or unreadable is a clean 502 naming it.
        long firstBase = m.offset(first);
        long hold = Math.min(1L << 20, Math.min(end, firstBase + m.chunks().get(first).size()) - offset);
        FileServer.HeldResponse held = new FileServer.HeldResponse(ex, out, code, length, hold);
        try {
            for (int i = first; i <= last; i++) {
                Manifest.Chunk c = m.chunks().get(i);
                long base = m.offset(i);
                ChunkSink sink = new ChunkSink(held, base, Math.max(offset, base), Math.min(end, base + c.size()));
                try (ObjectSource s = openChecked(m, i)) {
                    s.copyTo(sink, 0, c.size());
                } catch (ChunkException e) {
                    throw e;
                } catch (IOException e) {
                    if (held.started()) {
                        throw e; // the client went away, or the chunk broke mid-stream
                    }
                    throw new ChunkException("chunk " + c.name() + " of " + m.name() + " cannot be read: " + e.getMessage());
                }
                if (sink.count != c.size() || !HexFormat.of().formatHex(sink.digest.digest()).equals(c.sha256())) {
                    throw new ChunkException("chunk " + c.name() + " of " + m.name() + " does not match its checksum");
                }
                sink.release();
            }
            held.finish();
        } catch (ChunkException e) {
            if (held.started()) {
                LOG.log(Level.WARNING, "{0}: GET {1}: {2}; dropped the connection", node, m.name(), e.getMessage());
                throw e;
            }
            LOG.log(Level.WARNING, "{0}: GET {1}: {2}; answered 502", node, m.name(), e.getMessage());
            h.remove("ETag");
            h.remove("Content-Range");
            h.remove("Accept-Ranges");
            plain(ex, false, 502, e.getMessage());
            return;
        }
        out.flush();
    }

    /** A chunk is missing or not the manifest's version. */
    static final class ChunkException extends IOException {
        ChunkException(String message) {
            super(message);
        }
    }

    private ObjectSource openChecked(Manifest m, int i) throws IOException {
        Manifest.Chunk c = m.chunks().get(i);
        Optional<ObjectSource> o = router.open(m.chunkObject(i));
        if (o.isEmpty()) {
            throw new ChunkException("chunk " + c.name() + " of " + m.name() + " is missing");
        }
        ObjectMeta meta = o.get().meta();
        if (meta.size() != c.size() || !meta.sha256().equalsIgnoreCase(c.sha256())) {
            o.get().close();
            throw new ChunkException("chunk " + c.name() + " of " + m.name() + " is not the version the manifest names");
        }
        return o.get();
    }

    /**
     * Hashes a whole chunk; passes on only the bytes at file positions [from, to), keeping the last
     * one back until {@link #release} (the chunk checked out).
     */
    private static final class ChunkSink extends OutputStream {
        final MessageDigest digest;
        private final OutputStream out;
        private final long base;
        private final long from;
        private final long to;
        long count;
        private int pending = -1;

        ChunkSink(OutputStream out, long base, long from, long to) {
            this.out = out;
            this.base = base;
            this.from = from;
            this.to = to;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            digest.update(b, off, len);
            long pos = base + count;
            count += len;
            long s = Math.max(pos, from);
            long e = Math.min(pos + len, to);
            if (s >= e) {
                return;
            }
            int o = off + (int) (s - pos);
            int n = (int) (e - s);
            if (pending >= 0) {
                out.write(pending);
            }
            out.write(b, o, n - 1);
            pending = b[o + n - 1] & 0xff;
        }

        void release() throws IOException {
            if (pending >= 0) {
                out.write(pending);
                pending = -1;
            }
        }
    }

    private static void plain(HttpExchange ex, boolean head, int code, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (head) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(code, -1);
            return;
        }
        ex.sendResponseHeaders(code, body.length);
        ex.getResponseBody().write(body);
        ex.getResponseBody().flush();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ChunkedFiles(%s)", node);
    }
}
