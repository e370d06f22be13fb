package io.chordfs.node.store;

import io.chordfs.node.store.Index.Entry;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * One version of a stored object, opened for verified reading (see {@link ObjectStore#read}). The
 * file stays open, so this version can be read whole even if a newer one replaces it meanwhile.
 * Close it when done. One thread at a time.
 */
public final class ObjectReader implements ObjectSource {
    private static final int READ_PIECE = 64 * 1024;
    private final Index index;
    private final ObjectMeta meta;
    private final FileChannel ch;
    private byte[] buf;
    private boolean closed;

    private ObjectReader(Index index, ObjectMeta meta, FileChannel ch) {
        this.index = index;
        this.meta = meta;
        this.ch = ch;
    }

    /**
     * Opens the newest live version of {@code name}, whose bytes are in {@code file}; throws as
     * {@link ObjectStore#read}. The metadata is taken and the file opened under the name's lock,
     * so the reader holds one consistent version even while a writer replaces the file (the old
     * inode lives on while open). A missing data file or one of the wrong size is recorded in the
     * index as making the object unservable.
     */
    static ObjectReader open(Index index, String name, Path file) throws IOException {
        ReentrantLock l = index.lockFor(name);
        l.lock();
        try {
            Entry e = index.get(name);
            if (e == null || e.meta().tombstone()) {
                throw new NoSuchFileException(name);
            }
            ObjectMeta m = e.meta();
            if (e.unservable() != null) {
                throw new CorruptObjectException("'" + name + "' is not served: " + e.unservable());
            }
            FileChannel ch;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException ex) {
                throw index.unservable(m, "its data file is missing");
            } catch (IOException ex) {
                throw index.unservable(m, "its data file cannot be opened (" + ex + ")");
            }
            try {
                long size = ch.size();
                if (size != m.size()) {
                    throw index.unservable(m, "its data file has " + size + " bytes, the metadata says " + m.size());
                }
            } catch (IOException ex) {
                ch.close();
                throw ex;
            }
            return new ObjectReader(index, m, ch);
        } finally {
            l.unlock();
        }
    }

    @Override
    public ObjectMeta meta() {
        return meta;
    }

    /**
     * Copies bytes [offset, offset + length) to {@code out}, a whole block at a time: each block
     * the range touches is read, its CRC32C checked, and only then the requested part of it
     * written. A mismatch throws {@link CorruptObjectException} (and is recorded in the index)
     * before any byte of that block is written; a range touching a block already known to be bad
     * fails before writing anything. The range must lie within the object.
     */
    @Override
    public void copyTo(OutputStream out, long offset, long length) throws IOException {
        if (!checkRange(offset, length)) {
            return;
        }
        int bs = meta.blockSize();
        byte[] block = buffer();
        CRC32C crc = new CRC32C();
        for (int b = (int) (offset / bs); b <= (int) ((offset + length - 1) / bs); b++) {
            long start = (long) b * bs;
            int n = (int) Math.min(bs, meta.size() - start);
            crc.reset();
            readBlock(b, start, ByteBuffer.wrap(block), n, crc);
            check(b, crc.getValue());
            int from = (int) Math.max(0, offset - start);
            int to = (int) Math.min(n, offset + length - start);
            out.write(block, from, to - from);
        }
    }

    /**
     * The range as pieces of at most a block: each block the range touches is read into the
     * caller's buffer (a direct one is read into without a copy through the heap), its CRC32C
     * checked, and only then its part in the range handed out. Failures as {@link #copyTo}.
     */
    @Override
    public Pieces pieces(long offset, long length) throws IOException {
        boolean any = checkRange(offset, length);
        int bs = meta.blockSize();
        int last = any ? (int) ((offset + length - 1) / bs) : -1;
        CRC32C crc = new CRC32C();
        return new Pieces() {
            private int b = any ? (int) (offset / bs) : 0;
            private FileSpan span;

            @Override
            public FileSpan lastSpan() {
                return span;
            }

            @Override
            public int fill(ByteBuffer into) throws IOException {
                ensureOpen();
                if (b > last) {
                    return -1;
                }
                long start = (long) b * bs;
                int n = (int) Math.min(bs, meta.size() - start);
                int from = (int) Math.max(0, offset - start);
                int to = (int) Math.min(n, offset + length - start);
                crc.reset();
                int at = into.position();
                if (into.remaining() >= n) {
                    readBlock(b, start, into, n, crc);
                    check(b, crc.getValue());
                    if (from > 0) {
                        // the range starts inside this block: move its part to where the piece starts
                        into.put(at, into, at + from, to - from);
                    }
                } else {
                    byte[] block = buffer();
                    readBlock(b, start, ByteBuffer.wrap(block), n, crc);
                    check(b, crc.getValue());
                    into.put(at, block, from, to - from);
                }
                into.position(at + to - from);
                span = new FileSpan(ch, start + from, to - from);
                b++;
                return to - from;
            }
        };
    }

    /** False for an empty range; throws for one outside the object or on a block known to be bad. */
    private boolean checkRange(long offset, long length) throws IOException {
        ensureOpen();
        long size = meta.size();
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " is outside '" + meta.name()
                    + "' (" + size + " bytes)");
        }
        if (length == 0) {
            return false;
        }
        int bs = meta.blockSize();
        int first = (int) (offset / bs);
        int last = (int) ((offset + length - 1) / bs);
        for (int b : index.badBlocks(meta)) {
            if (b >= first && b <= last) {
                throw new CorruptObjectException("'" + meta.name() + "' is not served: block " + b + " is corrupt");
            }
        }
        return true;
    }

    /**
     * Reads the whole object and checks every block's CRC32C and the SHA-256; throws
     * {@link CorruptObjectException} listing what failed (and records it in the index). For scrubbing.
     */
    public void verify() throws IOException {
        verify(true);
    }

    /**
     * Reads the whole object and checks every block's CRC32C (hardware-fast), without the SHA-256:
     * enough to know the bytes are those that were stored, before serving them.
     */
    public void verifyBlocks() throws IOException {
        verify(false);
    }

    private void verify(boolean withSha256) throws IOException {
        ensureOpen();
        long size = meta.size();
        int bs = meta.blockSize();
        MessageDigest sha = Sha256.digest();
        byte[] block = buffer();
        CRC32C crc = new CRC32C();
        List<Integer> bad = new ArrayList<>();
        int blocks = meta.blockCrc32c().size();
        for (int b = 0; b < blocks; b++) {
            long start = (long) b * bs;
            int n = (int) Math.min(bs, size - start);
            crc.reset();
            readBlock(b, start, ByteBuffer.wrap(block), n, crc);
            if (crc.getValue() != meta.blockCrc32c().get(b)) {
                index.blockCorrupt(meta, b, crcDetail(b, crc.getValue()));
                bad.add(b);
            }
            if (withSha256) {
                sha.update(block, 0, n);
            }
        }
        if (!bad.isEmpty()) {
            throw new CorruptObjectException("'" + meta.name() + "' is corrupt: CRC32C mismatch in block(s) " + bad);
        }
        if (ch.size() != size) {
            throw index.unservable(meta, "its data file has " + ch.size() + " bytes, the metadata says " + size);
        }
        String got = withSha256 ? Sha256.hex(sha.digest()) : meta.sha256();
        if (!got.equals(meta.sha256())) {
            throw index.unservable(meta, "its SHA-256 is " + got + ", the metadata says " + meta.sha256());
        }
    }

    private void check(int b, long got) throws CorruptObjectException {
        if (got != meta.blockCrc32c().get(b)) {
            String detail = crcDetail(b, got);
            index.blockCorrupt(meta, b, detail);
            throw new CorruptObjectException("'" + meta.name() + "' is corrupt: block " + b + " " + detail);
        }
    }

    private String crcDetail(int b, long got) {
        return "fails its CRC32C (stored " + meta.blockCrc32c().get(b) + ", read " + got + ")";
    }

    /**
     * Reads block b ({@code n} bytes from {@code start}) into {@code dst} from its position (which
     * is left where it was), adding each piece to {@code crc} while it is still in the CPU cache: a
     * piece at a time, not the whole block in one read, saves a pass over memory per byte served.
     */
    private void readBlock(int b, long start, ByteBuffer dst, int n, CRC32C crc) throws IOException {
        int at = dst.position();
        ByteBuffer bb = dst.duplicate();
        int end = at + n;
        while (bb.position() < end) {
            int from = bb.position();
            bb.limit(Math.min(end, from + READ_PIECE));
            while (bb.hasRemaining()) {
                if (ch.read(bb, start + bb.position() - at) < 0) {
                    throw index.unservable(meta, "its data file ends inside block " + b + " (at byte "
                            + (start + bb.position() - at) + " of " + meta.size() + ")");
                }
            }
            crc.update(bb.duplicate().position(from).limit(bb.position()));
        }
    }

    private byte[] buffer() {
        if (buf == null) {
            buf = new byte[(int) Math.min(meta.blockSize(), Math.max(1, meta.size()))];
        }
        return buf;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the reader of '" + meta.name() + "' is closed");
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            buf = null;
            ch.close();
        }
    }
}
