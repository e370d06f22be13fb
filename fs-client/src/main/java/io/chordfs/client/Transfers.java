package io.chordfs.client;

import io.chordfs.core.cli.IoErrors;
import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.net.HttpPut;
import io.chordfs.core.ring.NameRules;
import io.chordfs.core.ring.NodeRef;

import java.io.Flushable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Chunked, parallel, verified upload, download and verify.
 *
 * <p>Upload: a file no larger than one chunk is PUT as one plain object under its name. A larger
 * one is an upload with an id of its own ({@link UploadJournal}), cut into chunks
 * {@code <name>_chunk_<i>} (i from 1), each stored as that upload's chunk object
 * ({@link ObjectNames#UPLOAD_HEADER}), so it never writes over the committed version's; the main thread reads each chunk
 * with positional reads into one of {@code parallel} buffers (memory ≈ parallel × chunk size)
 * and feeds the whole-file SHA-256; a pool of {@code parallel} threads takes each chunk's block
 * CRC32Cs, asks the entry node for the chunk's owner and PUTs it there with them (through the
 * entry node, which forwards, if the owner cannot be reached). The node refuses bytes that do not
 * match the CRCs and answers with its SHA-256 of the ones it took, which goes into the manifest
 * (the client hashes the chunk itself only when a node does not say). A chunk whose owner
 * already holds a copy of the same size and block CRCs (HEAD) is hashed and, when its SHA-256 is
 * that copy's ETag, skipped: that is how an interrupted upload resumes (same file, same upload id).
 * The {@link Manifest}, naming the upload, is written last, under the name: the commit point. The
 * owner commits it only when every chunk it names is in place; the previous version's chunks are
 * then the nodes' to delete. An upload refused for good (409, 507, 413, 400) deletes the chunks it
 * stored; one that fails otherwise leaves them for the next run to resume (the nodes collect them
 * after a day without use).
 *
 * <p>Download: GET of the name with {@link RingClient#RAW_HEADER} (the stored bytes, not the
 * node-assembled file). A plain object is streamed to the temp file and checked against its ETag.
 * A manifest: chunks are fetched in parallel from their owners (falling back to the entry node,
 * which proxies), streamed with positional writes into {@code .<name>.chordfs-part} beside the
 * target, each checked against the manifest ({@link ChunkCheck}: by the node's block CRC32Cs when
 * its ETag is the manifest's SHA-256, else hashed); then the whole file's SHA-256; fsync;
 * atomic rename. A part file left by an interrupted download is reused: chunks whose bytes there
 * already match the manifest are not fetched again. A chunk missing or corrupt on every source is
 * an error naming it; the part file is then deleted and no output file appears.
 *
 * <p>Concurrent uploads of one name write their own chunk objects: the last manifest to commit
 * wins whole, and the other upload's chunks are deleted with the version it replaced.
 */
final class Transfers {
    static final long MAX_CHUNK = 256L << 20;
    private static final int IO_BUF = 256 * 1024;

    private Transfers() {}

    record UploadResult(String name, long size, int chunks, int uploaded, int skipped, String sha256) {}

    record DownloadResult(String name, long size, int chunks, int fetched, int reused, String sha256, Path path) {}

    // ---------------------------------------------------------------------------------- upload

    static UploadResult upload(RingClient ring, Path file, String name, long chunkSize, int parallel, Progress progress)
            throws ClientException {
        checkName(name);
        if (chunkSize < 1 || chunkSize > MAX_CHUNK) {
            throw new ClientException("chunk size must be 1 B to 256 MiB");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ClientException("cannot read " + file + ": " + IoErrors.describe(e));
        }
        UploadResult result;
        if (size <= chunkSize) {
            FileSums sums;
            try {
                sums = sums(file, size);
                progress.add(size);
            } catch (IOException e) {
                throw new ClientException("cannot read " + file + ": " + IoErrors.describe(e));
            }
            putWithFallback(ring, name, RingClient.Body.of(file, size, sums.crcs()));
            result = new UploadResult(name, size, 0, 1, 0, sums.sha256());
        } else {
            long n = (size + chunkSize - 1) / chunkSize;
            long maxChunks = Manifest.maxChunks(name);
            if (n > maxChunks) {
                // the manifest must stay within Manifest.MAX_BYTES: larger chunks, in whole MiB
                long mib = 1L << 20;
                chunkSize = ((size + maxChunks - 1) / maxChunks + mib - 1) / mib * mib;
                if (chunkSize > MAX_CHUNK) {
                    throw new ClientException(name + ": too large for one manifest even with 256 MiB chunks");
                }
                n = (size + chunkSize - 1) / chunkSize;
            }
            checkName(Manifest.chunkName(name, (int) n));
            UploadJournal journal = UploadJournal.open(file, name, size, chunkSize);
            Set<String> stored = ConcurrentHashMap.newKeySet();
            try {
                try {
                    result = uploadChunks(ring, fileChunks(file, size, chunkSize), name, chunkSize, (int) n, parallel,
                            progress, journal.upload(), stored);
                } catch (StaleUploadException e) {
                    // The file changed since the killed run whose upload this resumed: start afresh.
                    journal.close();
                    journal = UploadJournal.open(file, name, size, chunkSize);
                    progress.add(-progress.done());
                    result = uploadChunks(ring, fileChunks(file, size, chunkSize), name, chunkSize, (int) n, parallel,
                            progress, journal.upload(), stored);
                }
            } catch (RefusedException e) {
                // Refused for good: what this run stored would only wait to be collected.
                abandon(ring, journal.upload(), stored);
                journal.close();
                throw e;
            }
            journal.close();
        }
        progress.finish();
        return result;
    }

    /** A node's refusal that running the upload again cannot change (409, 507, 413, 400). */
    static final class RefusedException extends ClientException {
        RefusedException(String message) {
            super(message);
        }

        static boolean is(int status) {
            return status == 409 || status == 507 || status == 413 || status == 400;
        }
    }

    /** A resumed upload holds a chunk with other bytes than the file has now. */
    static final class StaleUploadException extends ClientException {
        StaleUploadException(String message) {
            super(message);
        }
    }

    /** Deletes the chunks an upload stored (best effort: the nodes collect what is left). */
    private static void abandon(RingClient ring, String upload, Set<String> chunks) {
        for (String c : chunks) {
            try {
                try {
                    ring.delete(ring.owner(c), c, upload);
                } catch (IOException e) {
                    ring.delete(ring.entryNode(), c, upload);
                }
            } catch (IOException | ClientException e) {
                // left for collection
            }
        }
    }

    /** Where an upload's bytes come from, chunk by chunk, in order. */
    interface ChunkSource extends java.io.Closeable {
        /** Fills {@code buf} with the next chunk: fewer bytes than a chunk only at the end, 0 when none are left. */
        int next(byte[] buf) throws IOException;
    }

    /** The {@code size} bytes of {@code file}, read positionally. */
    private static ChunkSource fileChunks(Path file, long size, long chunkSize) throws ClientException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ClientException("cannot read " + IoErrors.describe(e));
        }
        return new ChunkSource() {
            private long off;

            @Override
            public int next(byte[] buf) throws IOException {
                int len = (int) Math.min(chunkSize, size - off);
                readFully(ch, buf, len, off, file);
                off += len;
                return len;
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    /**
     * Stores what {@code in} gives until its end as {@code name}, with {@code parallel} + 1 chunks
     * in memory at most: one plain object when it fits in one chunk, else chunks and a manifest. It
     * cannot resume (nothing identifies the stream again) and its chunk size cannot grow, so a
     * stream longer than the manifest's chunk limit fails (the nodes collect what it stored).
     */
    static UploadResult upload(RingClient ring, InputStream in, String name, long chunkSize, int parallel,
                               Progress progress) throws ClientException {
        checkName(name);
        byte[] first = new byte[(int) chunkSize];
        int len = readStdin(in, first);
        UploadResult result;
        if (len < chunkSize || peekEnd(in)) {
            String sha = putWithFallback(ring, name, RingClient.Body.of(first, len)).orElseGet(() -> sha256(first, len));
            progress.add(len);
            result = new UploadResult(name, len, 0, 1, 0, sha);
        } else {
            int[] pending = {len};
            ChunkSource src = new ChunkSource() {
                @Override
                public int next(byte[] buf) throws IOException {
                    if (pending[0] >= 0) {
                        System.arraycopy(first, 0, buf, 0, pending[0]);
                        int n = pending[0];
                        pending[0] = -1;
                        return n;
                    }
                    return in.readNBytes(buf, 0, (int) chunkSize);
                }

                @Override
                public void close() {
                    // stdin stays open
                }
            };
            String upload = UploadJournal.newUpload();
            Set<String> stored = ConcurrentHashMap.newKeySet();
            try {
                result = uploadChunks(ring, src, name, chunkSize, (int) Manifest.maxChunks(name), parallel, progress,
                        upload, stored);
            } catch (RefusedException e) {
                abandon(ring, upload, stored);
                throw e;
            }
        }
        progress.finish();
        return result;
    }

    private static int readStdin(InputStream in, byte[] buf) throws ClientException {
        try {
            return in.readNBytes(buf, 0, buf.length);
        } catch (IOException e) {
            throw new ClientException("cannot read stdin: " + IoErrors.describe(e));
        }
    }

    /** Whether {@code in} is at its end; a byte read to find out is pushed back. */
    private static boolean peekEnd(InputStream in) throws ClientException {
        try {
            if (!in.markSupported()) {
                return false;
            }
            in.mark(1);
            boolean end = in.read() < 0;
            in.reset();
            return end;
        } catch (IOException e) {
            throw new ClientException("cannot read stdin: " + IoErrors.describe(e));
        }
    }

    /**
     * Uploads the chunks {@code src} gives (at most {@code maxChunks}), {@code parallel} at a time,
     * then the manifest that names them.
     */
    private static UploadResult uploadChunks(RingClient ring, ChunkSource src, String name, long chunkSize,
                                             int maxChunks, int parallel, Progress progress, String upload,
                                             Set<String> stored) throws ClientException {
        BlockingQueue<byte[]> buffers = new ArrayBlockingQueue<>(parallel);
        for (int i = 0; i < parallel; i++) {
            buffers.add(new byte[(int) chunkSize]);
        }
        Manifest.Chunk[] chunks = new Manifest.Chunk[maxChunks];
        int n = 0;
        long size = 0;
        AtomicInteger skipped = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "upload");
            t.setDaemon(true);
            return t;
        });
        MessageDigest whole = digest();
        try (src) {
            for (int i = 0; ; i++) {
                byte[] buf = buffers.take();
                failFast(futures);
                int len = src.next(buf);
                if (len == 0 && i > 0) {
                    buffers.add(buf);
                    break;
                }
                if (i == maxChunks) {
                    throw new ClientException(name + ": more than " + maxChunks + " chunks; use a larger --chunk-size");
                }
                checkName(Manifest.chunkName(name, i + 1));
                n = i + 1;
                size += len;
                whole.update(buf, 0, len);
                int index = i;
                String cname = Manifest.chunkName(name, i + 1);
                futures.add(pool.submit(() -> {
                    try {
                        RingClient.Body body = RingClient.Body.of(buf, len);
                        NodeRef owner = ring.owner(cname);
                        Optional<String> sha = alreadyThere(ring, owner, cname, upload, body, buf);
                        if (sha.isPresent()) {
                            skipped.incrementAndGet();
                        } else {
                            // The node hashes the bytes it checked against our CRCs, so its sum of
                            // them is ours.
                            sha = putWithFallback(ring, cname, upload, owner, body);
                            stored.add(cname);
                        }
                        chunks[index] = new Manifest.Chunk(cname, len, sha.orElseGet(() -> sha256(buf, len)));
                        progress.add(len);
                        return null;
                    } finally {
                        buffers.add(buf);
                    }
                }));
                if (len < chunkSize) {
                    break;
                }
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (IOException e) {
            throw new ClientException("cannot read " + IoErrors.describe(e));
        } catch (ExecutionException e) {
            throw asClient(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted");
        } finally {
            pool.shutdownNow();
            awaitQuietly(pool); // a failed upload takes back what it stored: every PUT in flight ends first
        }
        String sha = hex(whole);
        Manifest m = new Manifest(name, size, chunkSize, List.of(java.util.Arrays.copyOf(chunks, n)), sha,
                Instant.now().truncatedTo(ChronoUnit.MILLIS).toString(), upload);
        byte[] json = m.toJson();
        if (json.length > Manifest.MAX_BYTES) {
            throw new ClientException(name + ": the manifest would be " + json.length + " bytes; use a larger --chunk-size");
        }
        putWithFallback(ring, name, RingClient.Body.of(json, json.length));
        return new UploadResult(name, size, n, n - skipped.get(), skipped.get(), sha);
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            pool.awaitTermination(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void failFast(List<Future<?>> futures) throws ExecutionException, InterruptedException {
        for (Future<?> f : futures) {
            if (f.isDone()) {
                f.get();
            }
        }
    }

    /**
     * The chunk's SHA-256 when the owner already holds this upload's chunk with these bytes (an
     * interrupted upload resumes so), else empty. A copy of the same size and block CRC32Cs is
     * hashed here and compared with the copy's ETag, because CRCs are no proof of sameness: an edit
     * can keep every CRC (CRC32C is linear). A copy with other bytes means the file changed since
     * the run that stored it: {@link StaleUploadException}, and the upload starts afresh.
     */
    private static Optional<String> alreadyThere(RingClient ring, NodeRef owner, String cname, String upload,
                                                 RingClient.Body body, byte[] buf) throws StaleUploadException {
        Optional<RingClient.Raw> there;
        try {
            there = ring.head(owner, cname, upload);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (there.isEmpty()) {
            return Optional.empty();
        }
        RingClient.Raw r = there.get();
        boolean otherCrcs = !r.blockCrcs().isEmpty() && !r.blockCrcs().equals(body.crcs());
        if (r.length() == body.size() && !otherCrcs && r.etag().isEmpty()) {
            return Optional.empty(); // cannot tell: the PUT finds out (the same bytes again are a no-op)
        }
        String sha = r.length() == body.size() && !otherCrcs ? sha256(buf, (int) body.size()) : null;
        if (sha == null || !sha.equals(r.etag().get())) {
            // An upload writes each chunk once: this one cannot take the file's bytes any more.
            throw new StaleUploadException(cname + " of upload " + upload + " holds other bytes than the file has now");
        }
        return Optional.of(sha);
    }

    private static String sha256(byte[] buf, int len) {
        MessageDigest d = digest();
        d.update(buf, 0, len);
        return hex(d);
    }

    /**
     * PUT to the owner; if that fails (a refusal included), once more through the entry node.
     * Returns the SHA-256 of the body as the node that took it computed it, if it said.
     */
    static Optional<String> putWithFallback(RingClient ring, String name, RingClient.Body body) throws ClientException {
        return putWithFallback(ring, name, null, ring.owner(name), body);
    }

    /**
     * As above, to an owner the caller already looked up; with an {@code upload} id, the chunk
     * {@code name} of that upload. A refusal that trying elsewhere cannot change (409, 507, 413,
     * 400) is not retried and comes back as a {@link RefusedException}.
     */
    static Optional<String> putWithFallback(RingClient ring, String name, String upload, NodeRef owner,
                                            RingClient.Body body) throws ClientException {
        IOException first;
        try {
            return ring.put(owner, name, upload, body);
        } catch (IOException e) {
            if (e instanceof RingClient.StatusException st && RefusedException.is(st.code)) {
                throw new RefusedException("cannot store " + name + ": " + e.getMessage());
            }
            first = e;
        }
        try {
            return ring.put(ring.entryNode(), name, upload, body);
        } catch (IOException e) {
            String message = "cannot store " + name + ": " + e.getMessage()
                    + (first.getMessage().equals(e.getMessage()) ? "" : " (owner: " + first.getMessage() + ")");
            throw e instanceof RingClient.StatusException st && RefusedException.is(st.code)
                    ? new RefusedException(message) : new ClientException(message);
        }
    }

    static boolean deleteWithFallback(RingClient ring, String name) throws ClientException, IOException {
        try {
            return ring.delete(ring.owner(name), name);
        } catch (IOException e) {
            return ring.delete(ring.entryNode(), name);
        }
    }

    // -------------------------------------------------------------------------------- download

    /** The raw object under {@code name}: from its owner, else through the entry node; empty if absent. */
    static Optional<RingClient.Raw> openRaw(RingClient ring, String name) throws ClientException {
        IOException first;
        try {
            return ring.getRaw(ring.owner(name), name);
        } catch (IOException e) {
            first = e;
        }
        try {
            return ring.getRaw(ring.entryNode(), name);
        } catch (IOException e) {
            throw new ClientException("cannot read " + name + ": " + e.getMessage() + " (owner: " + first.getMessage() + ")");
        }
    }

    /** What is stored under {@code name}: a manifest, or (as {@code plain}) a plain object. */
    record Stored(Manifest manifest, RingClient.Raw plain, byte[] head) {}

    static Optional<Stored> stored(RingClient ring, String name) throws ClientException {
        Optional<RingClient.Raw> r = openRaw(ring, name);
        if (r.isEmpty()) {
            return Optional.empty();
        }
        RingClient.Raw resp = r.get();
        long len = resp.length();
        try {
            byte[] head = resp.body().readNBytes(Manifest.MAGIC.length());
            if (Manifest.hasMagic(head, head.length) && len >= 0 && len <= Manifest.MAX_BYTES) {
                byte[] rest = resp.body().readNBytes((int) len - head.length);
                byte[] all = new byte[head.length + rest.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(rest, 0, all, head.length, rest.length);
                resp.body().close();
                try {
                    return Optional.of(new Stored(Manifest.parse(all), null, null));
                } catch (IOException e) {
                    // starts like a manifest but is not one: a plain object; serve it from memory
                    return Optional.of(new Stored(null, new RingClient.Raw(len, resp.etag(), resp.blockCrcs(), InputStream.nullInputStream()), all));
                }
            }
            return Optional.of(new Stored(null, resp, head));
        } catch (IOException e) {
            throw new ClientException("cannot read " + name + ": " + e.getMessage());
        }
    }

    static Optional<Manifest> manifestOf(RingClient ring, String name) throws ClientException {
        Optional<Stored> s = stored(ring, name);
        if (s.isPresent() && s.get().plain() != null) {
            try {
                s.get().plain().body().close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
        return s.map(Stored::manifest);
    }

    /** Where {@code -o PATH} puts NAME: PATH itself, or PATH/NAME when PATH is a directory; default ./NAME. */
    static Path target(String name, String output) {
        if (output == null) {
            return Path.of(name).toAbsolutePath();
        }
        Path p = Path.of(output).toAbsolutePath();
        return Files.isDirectory(p) ? p.resolve(name) : p;
    }

    static Path partFile(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".chordfs-part");
    }

    /** A chunk that no source could give intact: permanent, so the part file is removed. */
    static final class ChunkException extends ClientException {
        ChunkException(String message) {
            super(message);
        }
    }

    static DownloadResult download(RingClient ring, String name, Path target, int parallel, Progress progress)
            throws ClientException {
        checkName(name);
        Optional<Stored> s = stored(ring, name);
        if (s.isEmpty()) {
            throw new ClientException("no such file: " + name);
        }
        Path part = partFile(target);
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new ClientException("cannot create " + target.getParent() + ": " + IoErrors.describe(e));
        }
        boolean done = false;
        boolean keepPart = false;
        try {
            DownloadResult r;
            progress.total(s.get().manifest() != null ? s.get().manifest().size()
                    : Math.max(0, s.get().plain().length()));
            if (s.get().manifest() == null) {
                r = downloadPlain(name, s.get(), part, target, progress);
            } else {
                try {
                    r = downloadChunks(ring, s.get().manifest(), part, target, parallel, progress);
                } catch (ChunkException e) {
                    throw e;
                } catch (ClientException e) {
                    keepPart = true; // unreachable nodes and the like: a rerun resumes from the part file
                    throw e;
                }
            }
            done = true;
            progress.finish();
            return r;
        } finally {
            if (!done && !keepPart) {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /**
     * Writes NAME to {@code out} in order (stdout: nothing to seek in): a plain object as it
     * arrives, a chunked one a chunk at a time, each checked before any of it is written, so
     * memory is one chunk. The whole file's SHA-256 is checked at the end; on a mismatch the
     * bytes are already out, and the failure says so.
     */
    static DownloadResult download(RingClient ring, String name, java.io.OutputStream out, Progress progress)
            throws ClientException {
        checkName(name);
        Stored s = stored(ring, name).orElseThrow(() -> new ClientException("no such file: " + name));
        MessageDigest d = digest();
        try {
            if (s.manifest() == null) {
                RingClient.Raw r = s.plain();
                progress.total(Math.max(0, r.length()));
                long n = s.head().length;
                d.update(s.head());
                out.write(s.head());
                try (InputStream in = r.body()) {
                    byte[] buf = new byte[IO_BUF];
                    int k;
                    while ((k = in.read(buf)) > 0) {
                        d.update(buf, 0, k);
                        out.write(buf, 0, k);
                        n += k;
                        progress.add(k);
                    }
                }
                out.flush();
                String sha = hex(d);
                String etag = r.etag().orElse(null);
                if ((r.length() >= 0 && n != r.length()) || (etag != null && HttpPut.isSha256Hex(etag) && !etag.equals(sha))) {
                    throw new ClientException(name + " is corrupt or cut short: its bytes do not match the node's;"
                            + " what was written to stdout is not the file");
                }
                progress.finish();
                return new DownloadResult(name, n, 0, 1, 0, sha, null);
            }
            Manifest m = s.manifest();
            progress.total(m.size());
            byte[] chunk = new byte[(int) m.chunkSize()];
            for (int i = 0; i < m.chunks().size(); i++) {
                long base = (long) i * m.chunkSize();
                fetchChunk(ring, m, i, (buf, len, pos) -> System.arraycopy(buf, 0, chunk, (int) (pos - base), len), progress);
                int len = (int) m.chunks().get(i).size();
                d.update(chunk, 0, len);
                out.write(chunk, 0, len);
            }
            out.flush();
            String sha = hex(d);
            if (!sha.equals(m.sha256())) {
                throw new ClientException(m.name() + " is corrupt: every chunk matched but the whole file's SHA-256 does"
                        + " not; what was written to stdout is not the file");
            }
            progress.finish();
            return new DownloadResult(name, m.size(), m.chunks().size(), m.chunks().size(), 0, sha, null);
        } catch (IOException e) {
            throw new ClientException("download of " + name + " to stdout failed: " + IoErrors.describe(e));
        }
    }

    private static DownloadResult downloadPlain(String name, Stored s, Path part, Path target, Progress progress)
            throws ClientException {
        RingClient.Raw r = s.plain();
        String etag = r.etag().orElse(null);
        MessageDigest d = digest();
        long n = 0;
        try (InputStream in = r.body();
             FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] head = s.head();
            d.update(head);
            writeFully(ch, head, head.length, 0);
            n = head.length;
            progress.add(n);
            byte[] buf = new byte[IO_BUF];
            int k;
            while ((k = in.read(buf)) > 0) {
                d.update(buf, 0, k);
                writeFully(ch, buf, k, n);
                n += k;
                progress.add(k);
            }
            long expected = r.length() >= 0 ? r.length() : n;
            if (n != expected) {
                throw new ClientException(name + ": got " + n + " of " + expected + " bytes");
            }
            String sha = hex(d);
            if (etag != null && HttpPut.isSha256Hex(etag) && !etag.equals(sha)) {
                throw new ClientException(name + " is corrupt: its SHA-256 does not match the node's ETag");
            }
            ch.force(true);
            ch.close();
            moveIntoPlace(part, target);
            return new DownloadResult(name, n, 0, 1, 0, sha, target);
        } catch (IOException e) {
            throw new ClientException("download of " + name + " failed: " + IoErrors.describe(e));
        }
    }

    private static DownloadResult downloadChunks(RingClient ring, Manifest m, Path part, Path target, int parallel,
                                                 Progress progress) throws ClientException {
        int n = m.chunks().size();
        boolean[] have = new boolean[n];
        int reused = 0;
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            WholeHash whole = new WholeHash(m, ch);
            long existing = ch.size();
            if (existing > 0) {
                byte[] buf = new byte[IO_BUF];
                for (int i = 0; i < n; i++) {
                    Manifest.Chunk c = m.chunks().get(i);
                    long off = m.offset(i);
                    if (off + c.size() <= existing && sha256(ch, off, c.size(), buf).equals(c.sha256())) {
                        have[i] = true;
                        reused++;
                        progress.add(c.size());
                        whole.landed(i);
                    }
                }
            }
            if (existing > m.size()) {
                ch.truncate(m.size());
            }
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel), r -> {
                Thread t = new Thread(r, "download");
                t.setDaemon(true);
                return t;
            });
            WriteBehind flushing = new WriteBehind(() -> ch.force(false));
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (have[i]) {
                        continue;
                    }
                    int index = i;
                    futures.add(pool.submit(() -> {
                        fetchChunk(ring, m, index, (buf, len, pos) -> writeFully(ch, buf, len, pos), progress);
                        whole.landed(index);
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } catch (ExecutionException e) {
                throw asClient(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientException("interrupted");
            } finally {
                pool.shutdownNow(); // first: a failed download need not wait for a flush
                flushing.stop();
            }
            flushing.throwIfFailed();
            if (ch.size() < m.size()) {
                ch.truncate(m.size()); // only an empty tail can be missing here (size 0 files)
            }
            if (!whole.finish().equals(m.sha256())) {
                throw new ChunkException(m.name() + " is corrupt: every chunk matched but the whole file's SHA-256 does not");
            }
            ch.force(true);
        } catch (IOException e) {
            throw new ClientException("download of " + m.name() + " failed: " + IoErrors.describe(e));
        }
        try {
            moveIntoPlace(part, target);
        } catch (IOException e) {
            throw new ClientException("cannot write " + target + ": " + IoErrors.describe(e));
        }
        return new DownloadResult(m.name(), m.size(), n, n - reused, reused, m.sha256(), target);
    }

    /**
     * Flushes a file being downloaded every {@link #PERIOD_MS} from a thread of its own, so the
     * disk writes it while the transfer goes on and the fsync at the end has little left to do
     * (without it, the kernel holds the whole file dirty and that fsync takes about a third of
     * the download). A flush that fails ends the flushing and is kept for
     * {@link #throwIfFailed}: Linux reports a write-back error once per open file, so the final
     * fsync on the same channel would not see it again.
     */
    static final class WriteBehind {
        static final long PERIOD_MS = 100;
        private final CountDownLatch done = new CountDownLatch(1);
        private final Thread thread;
        private volatile IOException failure;

        /** Starts flushing with {@code flush} (the part file's {@code force(false)}). */
        WriteBehind(Flushable flush) {
            thread = new Thread(() -> {
                try {
                    while (!done.await(PERIOD_MS, TimeUnit.MILLISECONDS)) {
                        flush.flush();
                    }
                } catch (IOException e) {
                    failure = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // nothing interrupts it; ends the thread
                }
            }, "download-flush");
            thread.setDaemon(true);
            thread.start();
        }

        /** Stops the thread and waits for it. Never by interrupting it: an interrupt inside force closes the channel. */
        void stop() {
            done.countDown();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void throwIfFailed() throws IOException {
            if (failure != null) {
                throw new IOException("writing the download to disk failed: " + IoErrors.describe(failure), failure);
            }
        }
    }

    /**
     * The whole file's SHA-256, read back from the download's file a chunk at a time in file order
     * as the chunks land, so the hashing overlaps the transfer instead of following it. Whichever
     * thread lands the next chunk in order hashes it and any later ones already there.
     */
    private static final class WholeHash {
        private final Manifest m;
        private final FileChannel ch;
        private final boolean[] landed;
        private final MessageDigest sha = digest();
        private final ReentrantLock hashing = new ReentrantLock();
        private final byte[] buf = new byte[IO_BUF];
        private volatile int next;   // the first chunk not yet hashed; written only under hashing

        WholeHash(Manifest m, FileChannel ch) {
            this.m = m;
            this.ch = ch;
            this.landed = new boolean[m.chunks().size()];
        }

        /** Chunk i is in the file, whole and verified. */
        void landed(int i) throws IOException {
            synchronized (landed) {
                landed[i] = true;
            }
            // After letting go of the lock, look again: a chunk may have landed while it was held.
            while (hashing.tryLock()) {
                try {
                    advance();
                } finally {
                    hashing.unlock();
                }
                if (!nextHasLanded()) {
                    return;
                }
            }
        }

        /** Waits for any hashing under way, hashes what is left, and returns the digest in hex. */
        String finish() throws IOException {
            hashing.lock();
            try {
                advance();
                if (next != landed.length) {
                    throw new IllegalStateException("chunk " + (next + 1) + " of " + m.name() + " never landed");
                }
                return hex(sha);
            } finally {
                hashing.unlock();
            }
        }

        private void advance() throws IOException {
            while (next < landed.length && isLanded(next)) {
                update(sha, ch, m.offset(next), m.chunks().get(next).size(), buf);
                next++;
            }
        }

        private boolean nextHasLanded() {
            int k = next;
            return k < landed.length && isLanded(k);
        }

        private boolean isLanded(int i) {
            synchronized (landed) {
                return landed[i];
            }
        }
    }

    interface Sink {
        void write(byte[] buf, int len, long filePos) throws IOException;
    }

    /**
     * Whether the bytes of one fetch are chunk {@code c}. When the node's ETag is the manifest's
     * SHA-256 for the chunk and the node sent the stored block CRC32Cs, the bytes need only match
     * those CRCs: the node took both sums over the same bytes when it stored them, so this proves
     * the same as hashing the chunk, for a fraction of the CPU (the whole file's SHA-256 is still
     * checked at the end). Otherwise the bytes are hashed.
     */
    static final class ChunkCheck {
        private final Manifest.Chunk chunk;
        private final List<Long> expectedCrcs;
        private final BlockCrcs.Running crcs;
        private final MessageDigest sha;

        ChunkCheck(Manifest.Chunk chunk, RingClient.Raw raw) {
            this.chunk = chunk;
            boolean sameContent = raw.etag().filter(chunk.sha256()::equals).isPresent();
            long blocks = (chunk.size() + BlockCrcs.BLOCK_SIZE - 1) / BlockCrcs.BLOCK_SIZE;
            if (sameContent && raw.blockCrcs().size() == blocks && blocks > 0) {
                expectedCrcs = raw.blockCrcs();
                crcs = new BlockCrcs.Running();
                sha = null;
            } else {
                expectedCrcs = null;
                crcs = null;
                sha = digest();
            }
        }

        /** Whether the CRC32Cs stand in for hashing. */
        boolean byCrcs() {
            return crcs != null;
        }

        void update(byte[] buf, int off, int len) {
            if (crcs != null) {
                crcs.update(buf, off, len);
            } else {
                sha.update(buf, off, len);
            }
        }

        /** Whether everything fed, {@code got} bytes in all, is the chunk. */
        boolean matches(long got) {
            if (got != chunk.size()) {
                return false;
            }
            return crcs != null ? crcs.crcs().equals(expectedCrcs) : hex(sha).equals(chunk.sha256());
        }
    }

    /**
     * Fetches chunk {@code i}: from its owner, then through the entry node; every attempt streams
     * into the sink while checked ({@link ChunkCheck}) and must give exactly the manifest's chunk.
     */
    static void fetchChunk(RingClient ring, Manifest m, int i, Sink sink, Progress progress) throws ClientException {
        Manifest.Chunk c = m.chunks().get(i);
        List<String> problems = new ArrayList<>();
        boolean corrupt = false;
        List<NodeRef> sources = new ArrayList<>();
        NodeRef owner = null;
        try {
            owner = ring.owner(c.name());
            sources.add(owner);
        } catch (ClientException e) {
            problems.add(e.getMessage());
        }
        boolean extended = false;
        byte[] buf = new byte[IO_BUF];
        for (int s = 0; ; s++) {
            if (s == sources.size()) {
                if (extended) {
                    break;
                }
                // the owner failed: its successors hold the replicas; the entry node proxies last
                extended = true;
                if (owner != null) {
                    for (NodeRef r : ring.replicasAfter(owner, 2)) {
                        if (!sources.contains(r)) {
                            sources.add(r);
                        }
                    }
                }
                if (!sources.contains(ring.entryNode())) {
                    sources.add(ring.entryNode());
                }
                if (s == sources.size()) {
                    break;
                }
            }
            NodeRef src = sources.get(s);
            long counted = 0;
            try {
                Optional<RingClient.Raw> r = ring.getRaw(src, c.name(), m.upload().isEmpty() ? null : m.upload());
                if (r.isEmpty()) {
                    problems.add("missing on " + RingClient.where(src));
                } else {
                    ChunkCheck check = new ChunkCheck(c, r.get());
                    long got = 0;
                    long base = m.offset(i);
                    try (InputStream in = r.get().body()) {
                        int k;
                        while ((k = in.read(buf, 0, (int) Math.min(buf.length, c.size() - got + 1))) > 0) {
                            if (got + k > c.size()) {
                                break;
                            }
                            check.update(buf, 0, k);
                            sink.write(buf, k, base + got);
                            got += k;
                            counted += k;
                            progress.add(k);
                        }
                    }
                    if (check.matches(got)) {
                        return;
                    }
                    corrupt = true;
                    problems.add("corrupt on " + RingClient.where(src) + " (" + got + " bytes, checksum mismatch)");
                }
            } catch (IOException e) {
                if (e instanceof RingClient.StatusException status && status.code == 500) {
                    corrupt = true; // a node refuses to serve a copy that fails its checksum
                }
                problems.add(RingClient.where(src) + ": " + e.getMessage());
            }
            progress.add(-counted);
        }
        String what = corrupt ? "corrupt" : "missing";
        throw new ChunkException("chunk " + c.name() + " of " + m.name() + " is " + what + " everywhere ("
                + String.join("; ", problems) + ")");
    }

    /** Fetches every chunk in order, checking each and the whole file; writes nothing. */
    static DownloadResult verify(RingClient ring, String name, Progress progress) throws ClientException {
        checkName(name);
        Optional<Stored> s = stored(ring, name);
        if (s.isEmpty()) {
            throw new ClientException("no such file: " + name);
        }
        if (s.get().manifest() == null) {
            Path nowhere = null;
            RingClient.Raw r = s.get().plain();
            String etag = r.etag().orElse("");
            MessageDigest d = digest();
            d.update(s.get().head());
            long n = s.get().head().length;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[IO_BUF];
                int k;
                while ((k = in.read(buf)) > 0) {
                    d.update(buf, 0, k);
                    n += k;
                    progress.add(k);
                }
            } catch (IOException e) {
                throw new ClientException("cannot read " + name + ": " + e.getMessage());
            }
            String sha = hex(d);
            if (!sha.equals(etag)) {
                throw new ChunkException(name + " is corrupt: SHA-256 " + sha + ", expected " + etag);
            }
            progress.finish();
            return new DownloadResult(name, n, 0, 1, 0, sha, nowhere);
        }
        Manifest m = s.get().manifest();
        MessageDigest whole = digest();
        for (int i = 0; i < m.chunks().size(); i++) {
            MessageDigest before = clone(whole);
            MessageDigest[] cur = {before};
            long start = m.offset(i);
            fetchChunk(ring, m, i, (buf, len, pos) -> {
                if (pos == start) {
                    cur[0] = clone(before); // a new attempt starts from the digest before this chunk
                }
                cur[0].update(buf, 0, len);
            }, progress);
            whole = cur[0];
        }
        String sha = hex(whole);
        if (!sha.equals(m.sha256())) {
            throw new ChunkException(name + " is corrupt: the whole file's SHA-256 does not match the manifest");
        }
        progress.finish();
        return new DownloadResult(name, m.size(), m.chunks().size(), m.chunks().size(), 0, sha, null);
    }

    // --------------------------------------------------------------------------------- helpers

    /** The name rules of the nodes (1-255 UTF-8 bytes, no '/', '\', control characters, not . or ..). */
    static void checkName(String name) throws ClientException {
        Optional<String> problem = NameRules.problem(name);
        if (problem.isPresent()) {
            throw new ClientException("bad name '" + name + "': " + problem.get());
        }
    }

    /** The digest's value in lower-case hex (which resets it). */
    static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest clone(MessageDigest d) {
        try {
            return (MessageDigest) d.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file's SHA-256 and its block CRC32Cs ({@link BlockCrcs}). */
    private record FileSums(String sha256, List<Long> crcs) {}

    /** The first {@code size} bytes of the file summed in one pass. */
    private static FileSums sums(Path file, long size) throws IOException {
        MessageDigest d = digest();
        BlockCrcs.Running crcs = new BlockCrcs.Running();
        byte[] buf = new byte[IO_BUF];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long done = 0; done < size; ) {
                int k = (int) Math.min(buf.length, size - done);
                readFully(ch, buf, k, done, file);
                d.update(buf, 0, k);
                crcs.update(buf, 0, k);
                done += k;
            }
        }
        return new FileSums(hex(d), crcs.crcs());
    }

    static String sha256(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return sha256(ch, 0, ch.size(), new byte[IO_BUF]);
        }
    }

    static String sha256(FileChannel ch, long off, long len, byte[] buf) throws IOException {
        MessageDigest d = digest();
        update(d, ch, off, len, buf);
        return hex(d);
    }

    /** Adds bytes [off, off + len) of the file to {@code d}. */
    static void update(MessageDigest d, FileChannel ch, long off, long len, byte[] buf) throws IOException {
        long done = 0;
        while (done < len) {
            int k = (int) Math.min(buf.length, len - done);
            readFully(ch, buf, k, off + done, null);
            d.update(buf, 0, k);
            done += k;
        }
    }

    static void readFully(FileChannel ch, byte[] buf, int len, long pos, Path file) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
        while (bb.hasRemaining()) {
            int k = ch.read(bb, pos + bb.position());
            if (k < 0) {
                throw new IOException((file == null ? "file" : file.toString()) + " ended early (changed while reading?)");
            }
        }
    }

    static void writeFully(FileChannel ch, byte[] buf, int len, long pos) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
        while (bb.hasRemaining()) {
            ch.write(bb, pos + bb.position());
        }
    }

    private static void moveIntoPlace(Path part, Path target) throws IOException {
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel dir = FileChannel.open(target.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // not every file system lets a directory be fsynced
        }
    }

    private static ClientException asClient(Throwable t) {
        if (t instanceof ClientException c) {
            return c;
        }
        return new ClientException(t.getMessage() == null ? t.toString() : t.getMessage(), t);
    }
}
