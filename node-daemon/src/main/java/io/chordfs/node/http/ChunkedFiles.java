package io.chordfs.node.http;

import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.route.Manifests;
import io.chordfs.node.route.ObjectRouter;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.Pieces;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Chunked files written by {@code fs-client upload}: a GET or HEAD of a name whose object is a
 * manifest reads the whole file, assembled here as one {@link ObjectSource}, so the file server's
 * one GET path gives curl, browsers and the course's download scripts the real content, with
 * Range and conditions as for any object.
 *
 * <p>A manifest is an object of at most {@link Manifest#MAX_BYTES} bytes that {@link Manifest#parse}
 * accepts and that names the requested file ({@link Manifests}). A plain object that starts with
 * {@link Manifest#MAGIC} and parses as a manifest is read as one (accepted, documented); one that
 * does not parse is served as it is. The stored bytes themselves (the manifest) are read when the
 * request has {@code X-ChordFS-Raw: 1} or {@code ?raw=1}; the client reads manifests that way.
 *
 * <p>The assembled file's ETag is the whole file's SHA-256 from the manifest, its Last-Modified
 * the manifest's. Chunks are read in order through the node's {@link ObjectRouter} (here or from
 * their owners), each checked twice: its stored metadata must have the manifest's size and SHA-256
 * before any of it is read, and its bytes are hashed as they stream and must match, with the last
 * byte of every chunk held back until they do. A missing or mismatched chunk is a
 * {@link ChunkException} naming it: before the first byte the file server answers 502, after it
 * the connection is cut, so the client sees a body shorter than Content-Length, never a silently
 * short or wrong file. A range reads each chunk it touches whole (to check it).
 */
final class ChunkedFiles {
    private ChunkedFiles() {}

    /** A chunk is missing, unreadable or not the manifest's version. */
    static final class ChunkException extends IOException {
        ChunkException(String message) {
            super(message);
        }
    }

    /**
     * What a GET of {@code name} serves from the object {@code stored}: the assembled file when it
     * is a manifest (and the raw bytes were not asked for), else the object itself. A small object
     * is read whole to tell; it is then served from memory (a peer's copy is a one-way stream).
     */
    static ObjectSource resolve(ObjectRouter router, ObjectSource stored, String name, boolean raw) throws IOException {
        long size = stored.meta().size();
        if (raw || size < Manifest.MAGIC.length() || size > Manifest.MAX_BYTES || ObjectNames.isInternal(stored.meta().name())) {
            return stored;
        }
        ByteArrayOutputStream whole = new ByteArrayOutputStream((int) size);
        stored.copyTo(whole, 0, size);
        byte[] bytes = whole.toByteArray();
        Optional<Manifest> m = Manifests.parse(name, bytes);
        if (m.isPresent()) {
            return new Assembled(router, m.get(), stored);
        }
        return new Replayed(stored, bytes);
    }

    /** An object already read into memory. */
    private static final class Replayed implements ObjectSource {
        private final ObjectSource src;
        private final byte[] bytes;

        Replayed(ObjectSource src, byte[] bytes) {
            this.src = src;
            this.bytes = bytes;
        }

        @Override
        public ObjectMeta meta() {
            return src.meta();
        }

        @Override
        public Pieces pieces(long offset, long length) {
            int[] at = {(int) offset};
            int end = (int) (offset + length);
            return into -> {
                if (at[0] >= end) {
                    return -1;
                }
                int n = Math.min(into.remaining(), end - at[0]);
                into.put(bytes, at[0], n);
                at[0] += n;
                return n;
            };
        }

        @Override
        public void close() throws IOException {
            src.close();
        }
    }

    /** A chunked file as one object: its bytes are its chunks', checked as they stream. */
    static final class Assembled implements ObjectSource {
        private final ObjectRouter router;
        private final Manifest m;
        private final ObjectSource manifestSource;
        private final ObjectMeta meta;

        Assembled(ObjectRouter router, Manifest m, ObjectSource manifestSource) {
            this.router = router;
            this.m = m;
            this.manifestSource = manifestSource;
            ObjectMeta mm = manifestSource.meta();
            // The chunk is what is checked whole, so it is the assembled file's block: the first is
            // held back before the status line goes out, where a bad one can still be a 502.
            this.meta = new ObjectMeta(m.name(), mm.key(), m.size(), m.sha256(), mm.version(), false, mm.modifiedMillis(),
                    (int) Math.min(ObjectStore.BLOCK_SIZE, m.chunkSize()), List.of());
        }

        Manifest manifest() {
            return m;
        }

        @Override
        public ObjectMeta meta() {
            return meta;
        }

        @Override
        public Pieces pieces(long offset, long length) {
            return new ChunkPieces(offset, offset + length);
        }

        @Override
        public void close() throws IOException {
            manifestSource.close();
        }

        /** Streams [from, to) of the file, chunk after chunk, holding back each chunk's last byte until it checks out. */
        private final class ChunkPieces implements Pieces {
            private final long from;
            private final long to;
            private final byte[] scratch = new byte[ObjectStore.BLOCK_SIZE];
            private final MessageDigest digest = sha256();
            private int i;
            private final int last;
            private ObjectSource chunk;
            private Pieces chunkPieces;
            private long count;
            private int held = -1;

            ChunkPieces(long from, long to) {
                this.from = from;
                this.to = to;
                this.i = to > from ? (int) (from / m.chunkSize()) : 1;
                this.last = to > from ? (int) ((to - 1) / m.chunkSize()) : 0;
            }

            @Override
            public int fill(ByteBuffer into) throws IOException {
                while (true) {
                    if (chunk == null) {
                        if (i > last) {
                            return -1;
                        }
                        open(i);
                    }
                    int n = chunkPieces.fill(ByteBuffer.wrap(scratch));
                    if (n < 0) {
                        finish(i++);
                        if (held >= 0) {
                            // the chunk checked out: its last byte goes now, before the next chunk is opened
                            into.put((byte) held);
                            held = -1;
                            return 1;
                        }
                        continue;
                    }
                    digest.update(scratch, 0, n);
                    long pieceStart = m.offset(i) + count;
                    count += n;
                    long s = Math.max(pieceStart, from);
                    long e = Math.min(pieceStart + n, to);
                    if (s >= e) {
                        continue;
                    }
                    int off = (int) (s - pieceStart);
                    int len = (int) (e - s);
                    int wrote = 0;
                    if (held >= 0) {
                        into.put((byte) held);
                        wrote = 1;
                    }
                    into.put(scratch, off, len - 1);
                    wrote += len - 1;
                    held = scratch[off + len - 1] & 0xff;
                    if (wrote > 0) {
                        return wrote;
                    }
                }
            }

            /** Opens chunk {@code k}, after checking that what is stored is the manifest's version of it. */
            private void open(int k) throws IOException {
                Manifest.Chunk c = m.chunks().get(k);
                Optional<ObjectSource> o;
                try {
                    o = router.open(m.chunkObject(k));
                } catch (IOException e) {
                    throw new ChunkException("chunk " + c.name() + " of " + m.name() + " cannot be read: " + e.getMessage());
                }
                if (o.isEmpty()) {
                    throw new ChunkException("chunk " + c.name() + " of " + m.name() + " is missing");
                }
                ObjectMeta cm = o.get().meta();
                if (cm.size() != c.size() || !cm.sha256().equalsIgnoreCase(c.sha256())) {
                    o.get().close();
                    throw new ChunkException("chunk " + c.name() + " of " + m.name() + " is not the version the manifest names");
                }
                chunk = o.get();
                try {
                    chunkPieces = chunk.pieces(0, c.size());
                } catch (IOException e) {
                    close();
                    throw new ChunkException("chunk " + c.name() + " of " + m.name() + " cannot be read: " + e.getMessage());
                }
                count = 0;
                digest.reset();
            }

            /** The whole of chunk {@code k} went by: it must be the manifest's bytes. */
            private void finish(int k) throws IOException {
                Manifest.Chunk c = m.chunks().get(k);
                close();
                if (count != c.size() || !HexFormat.of().formatHex(digest.digest()).equals(c.sha256())) {
                    throw new ChunkException("chunk " + c.name() + " of " + m.name() + " does not match its checksum");
                }
            }

            @Override
            public void close() throws IOException {
                if (chunk != null) {
                    ObjectSource c = chunk;
                    chunk = null;
                    chunkPieces = null;
                    c.close();
                }
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
