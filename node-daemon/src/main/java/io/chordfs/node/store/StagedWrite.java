package io.chordfs.node.store;

import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.ring.ObjectNames;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/**
 * An upload being received into a temp file of the store (see {@link ObjectStore#stage}). Write
 * the bytes to {@link #out()}, then {@link #commit} them as a version, or {@link #close()} to throw
 * them away. Always close it (try-with-resources): after a commit that is a no-op.
 *
 * <p>The stream counts the bytes and computes the SHA-256 and the per-block CRC32C as they pass,
 * so committing never reads the file again. It fails with {@link StoreFullException} as soon as
 * the store's quota (or the disk, less a small reserve) cannot take the next bytes, or the file
 * system reports ENOSPC; the temp file is then deleted at once, and every later call fails.
 * Any other failure also deletes the temp file.
 *
 * <p>Meant for one thread at a time (the one receiving the upload); {@link #close()} may come
 * from another thread.
 */
public final class StagedWrite implements AutoCloseable {
    private static final int BUF = 256 * 1024;
    /** The buffer starts small and grows to {@link #BUF}, so a small object does not pay for zeroing 256 KiB. */
    private static final int FIRST_BUF = 16 * 1024;
    /** A piece outside the heap at least this large is written as it is, not copied into the buffer. */
    private static final int DIRECT_WRITE = 32 * 1024;

    private enum State { WRITING, FINISHED, COMMITTED, DISCARDED }

    private final Writes writes;
    private final Quota.Reservation room;
    private final String name;
    private final Path file;
    private final FileChannel ch;
    private final MessageDigest sha = Sha256.digest();
    private final BlockCrcs.Running running = new BlockCrcs.Running();
    /** The block CRC32Cs, once the content is finished. */
    private List<Long> crcs;
    private final Out out = new Out();
    private byte[] buf;
    private int bufPos;
    private long size;
    private String shaHex;
    private State state = State.WRITING;
    private IOException failure;
    /** Set by {@link #trustChecksums}: the sender's SHA-256, taken once the block CRCs match. */
    private String trustedSha;
    /** What the commit did, once committed (or lost to what is stored). */
    private Committed committed;
    /** Set by {@link #expectBlockCrcs}: the sender's block CRCs, which the content must match. */
    private List<Long> expectedCrcs;
    /** Set by {@link #deferChecksums}: no SHA-256 here; the sender {@link #vouch}es for the content at the end. */
    private boolean deferred;

    StagedWrite(Writes writes, String name, Path file, FileChannel ch, Quota.Reservation room) {
        this.writes = writes;
        this.room = room;
        this.name = name;
        this.file = file;
        this.ch = ch;
    }

    public String name() {
        return name;
    }

    /** The stream to write the content to. Closing it finishes the content (it does not commit). */
    public OutputStream out() {
        return out;
    }

    /** Bytes written so far. */
    public synchronized long size() {
        return size;
    }

    /**
     * The temp file, e.g. to stream it to another node: every byte written so far is flushed to it
     * (not fsynced) before it is returned. It disappears at commit or close.
     */
    public synchronized Path file() {
        if (state == State.WRITING) {
            try {
                flushBuffer();
            } catch (IOException e) {
                fail(e); // recorded: the next call on this write reports it
            }
        }
        return file;
    }

    /**
     * Accept the content only if its per-block CRC32Cs equal the sender's: checked when the
     * content is finished ({@link #sha256}, commit), which then throws
     * {@link CorruptObjectException}. Call before writing any byte.
     */
    public synchronized void expectBlockCrcs(List<Long> blockCrcs) {
        if (size > 0 || state != State.WRITING) {
            throw new IllegalStateException("expected CRCs must come before the first byte of '" + name + "'");
        }
        expectedCrcs = List.copyOf(blockCrcs);
    }

    /**
     * For a copy between replicas: as {@link #expectBlockCrcs}, and take the sender's SHA-256
     * instead of computing it again. The sender computed both over the same bytes, so a CRC match
     * carries the SHA-256 over; this saves a SHA-256 pass per copy. Call before writing any byte.
     */
    public synchronized void trustChecksums(String sha256, List<Long> blockCrcs) {
        expectBlockCrcs(blockCrcs);
        trustedSha = sha256;
    }

    /**
     * For a copy that the owner streams on while it still receives it, so it knows the digests
     * only at the end: the SHA-256 is not computed here (the block CRC32Cs are, as bytes arrive),
     * and the content commits only after {@link #vouch}. Call before writing any byte.
     */
    public synchronized void deferChecksums() {
        if (size > 0 || state != State.WRITING) {
            throw new IllegalStateException("deferring checksums must come before the first byte of '" + name + "'");
        }
        deferred = true;
    }

    /**
     * The sender's digests of the whole content, which finishes it: its block CRC32Cs must equal
     * those computed here as the bytes arrived, and its SHA-256 the one computed here if any (else,
     * with {@link #deferChecksums}, it is taken: the CRCs match, so it is of these bytes). On a
     * mismatch: {@link CorruptObjectException}, and the temp file is deleted.
     */
    public synchronized void vouch(String sha256, List<Long> blockCrcs) throws IOException {
        finish();
        if (!crcs.equals(blockCrcs) || shaHex != null && !shaHex.equalsIgnoreCase(sha256)) {
            throw fail(new CorruptObjectException("the content of '" + name + "' does not match the digests"
                    + " its sender computed; nothing stored"));
        }
        shaHex = sha256.toLowerCase(java.util.Locale.ROOT);
    }

    /** Finishes the content and returns the CRC32C of each {@link ObjectStore#BLOCK_SIZE} block. */
    public synchronized List<Long> blockCrcs() throws IOException {
        finish();
        return crcs;
    }

    /**
     * Finishes the content (as closing {@link #out()} does) and returns its SHA-256 in hex; null
     * with {@link #deferChecksums} until {@link #vouch}. Once known, it is answered also
     * after the write was committed or discarded.
     */
    public synchronized String sha256() throws IOException {
        if (shaHex == null) {
            finish();
        }
        return shaHex; // once known, also after the commit (or the discard) ended the write
    }

    /**
     * Durably installs this content as {@code version} of the name (see the protocol in
     * {@link Writes}) and returns the metadata now stored. If what is stored wins over this
     * version (a larger version, or see {@link Index#supersedes} for ties), the temp file is
     * discarded and the stored metadata returned instead. When {@code expectedSha256} (hex, nullable) does not match
     * the content, throws {@link CorruptObjectException} and nothing changes. On any failure the
     * temp file is deleted; a write can be committed once.
     */
    public synchronized ObjectMeta commit(long version, long modifiedMillis, String expectedSha256) throws IOException {
        if (state == State.COMMITTED) {
            throw new IllegalStateException("'" + name + "' is already committed");
        }
        if (state == State.DISCARDED) {
            throw new IOException("the staged write of '" + name + "' was discarded"
                    + (failure != null ? ": " + failure.getMessage() : ""), failure);
        }
        try {
            finish();
            if (shaHex == null) {
                throw new CorruptObjectException("the sender of '" + name + "' never vouched for its content; nothing stored");
            }
            if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(shaHex)) {
                throw new CorruptObjectException("the content of '" + name + "' has SHA-256 " + shaHex
                        + ", the sender says " + expectedSha256 + "; nothing stored");
            }
            ObjectMeta meta = new ObjectMeta(name, ObjectNames.placementKey(name), size, shaHex, version, false,
                    modifiedMillis, ObjectStore.BLOCK_SIZE, crcs);
            Writes.Installed r = writes.install(meta, file, ch);
            committed = r.committed();
            if (r.installed()) {
                state = State.COMMITTED;
                end();
            } else {
                discard();
            }
            return committed.meta();
        } catch (IOException | RuntimeException e) {
            discard();
            throw e;
        }
    }

    /**
     * Whether the commit made the name live where it was absent or deleted; false before a commit,
     * or when the commit replaced a live version or lost to the stored one.
     */
    public synchronized boolean created() {
        return committed != null && committed.created();
    }

    /** Deletes the temp file unless committed. Idempotent. */
    @Override
    public synchronized void close() {
        if (state == State.WRITING || state == State.FINISHED) {
            discard();
        }
    }

    /** Flushes the buffer, closes the last block and the digest. Idempotent. */
    private void finish() throws IOException {
        if (state == State.FINISHED) {
            return;
        }
        ensureWriting();
        try {
            flushBuffer();
        } catch (IOException e) {
            throw fail(e);
        }
        crcs = running.crcs();
        if (expectedCrcs != null && !crcs.equals(expectedCrcs)) {
            throw fail(new CorruptObjectException("the content of '" + name + "' does not match the block CRC32Cs"
                    + " its sender computed; nothing stored"));
        }
        shaHex = trustedSha != null ? trustedSha : deferred ? null : Sha256.hex(sha.digest());
        buf = null;
        state = State.FINISHED;
    }

    private void ensureWriting() throws IOException {
        if (state != State.WRITING) {
            if (failure != null) {
                throw new IOException("the staged write of '" + name + "' failed: " + failure.getMessage(), failure);
            }
            throw new IOException("the staged write of '" + name + "' is " + state.name().toLowerCase() + "; no more bytes");
        }
    }

    /**
     * Appends all of {@code src}'s remaining bytes, which may live outside the heap (a network
     * read): a large piece goes to the file as it is, with no copy through a byte array.
     */
    public synchronized void write(ByteBuffer src) throws IOException {
        int n = src.remaining();
        if (src.hasArray() || n < DIRECT_WRITE) {
            byte[] b = new byte[n];
            src.get(b);
            write(b, 0, n);
            return;
        }
        ensureWriting();
        try {
            room.admit(n, bufPos);
        } catch (IOException e) {
            throw fail(e);
        }
        if (trustedSha == null && !deferred) {
            sha.update(src.duplicate());
        }
        running.update(src.duplicate());
        try {
            flushBuffer(); // keeps the bytes in order
            writeFully(src);
        } catch (IOException e) {
            throw fail(e);
        }
        size += n;
    }

    private void write(byte[] b, int off, int len) throws IOException {
        ensureWriting();
        while (len > 0) {
            int n = len;
            boolean direct = bufPos == 0 && n >= BUF;
            if (!direct) {
                n = Math.min(n, BUF - bufPos);
            }
            try {
                room.admit(n, bufPos);
            } catch (IOException e) {
                throw fail(e);
            }
            if (trustedSha == null && !deferred) {
                sha.update(b, off, n);
            }
            running.update(b, off, n);
            if (direct) {
                try {
                    writeFully(ByteBuffer.wrap(b, off, n));
                } catch (IOException e) {
                    throw fail(e);
                }
            } else {
                if (buf == null || bufPos + n > buf.length) {
                    int cap = Math.min(BUF, Math.max(bufPos + n, buf == null ? FIRST_BUF : 2 * buf.length));
                    buf = buf == null ? new byte[cap] : Arrays.copyOf(buf, cap);
                }
                System.arraycopy(b, off, buf, bufPos, n);
                bufPos += n;
            }
            size += n;
            off += n;
            len -= n;
            if (bufPos == BUF) {
                try {
                    flushBuffer();
                } catch (IOException e) {
                    throw fail(e);
                }
            }
        }
    }

    private void flushBuffer() throws IOException {
        if (bufPos > 0) {
            writeFully(ByteBuffer.wrap(buf, 0, bufPos));
            bufPos = 0;
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Deletes the temp file and returns the exception to throw, ENOSPC turned into StoreFullException. */
    private IOException fail(IOException e) {
        IOException reported = Quota.noSpace(e, "writing '" + name + "'");
        failure = reported;
        discard();
        return reported;
    }

    private void discard() {
        if (state == State.COMMITTED || state == State.DISCARDED) {
            return;
        }
        state = State.DISCARDED;
        buf = null;
        try {
            ch.close();
        } catch (IOException e) {
            // the file is deleted below anyway
        }
        FileOps.deleteQuietly(file);
        end();
    }

    /** Gives back the room the write took, and leaves the store's list of staged writes. */
    private void end() {
        room.release();
        writes.ended(this);
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            synchronized (StagedWrite.this) {
                StagedWrite.this.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            synchronized (StagedWrite.this) {
                if (state == State.WRITING) {
                    try {
                        flushBuffer();
                    } catch (IOException e) {
                        throw fail(e);
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            synchronized (StagedWrite.this) {
                if (state == State.WRITING) {
                    finish();
                }
            }
        }
    }
}
