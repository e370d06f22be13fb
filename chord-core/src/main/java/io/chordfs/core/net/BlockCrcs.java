package io.chordfs.core.net;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The CRC32C of each {@link #BLOCK_SIZE} block of a body, as a sender puts them in the
 * {@value #HEADER} header: comma-separated unsigned decimals, in order. A node keeps the same
 * per-block CRCs with every object, so it checks the bytes it received against the sender's
 * for the cost of a comparison, and refuses them (nothing stored) when they differ.
 */
public final class BlockCrcs {
    public static final String HEADER = "X-ChordFS-Crc32c";
    /** A node's objects are checksummed in blocks of this many bytes (the last one shorter). */
    public static final int BLOCK_SIZE = 1 << 20;
    /** Beyond this many blocks the header grows long (about 22 KB); senders then leave it out. */
    public static final int MAX_HEADER_BLOCKS = 2048;
    /** "4294967295, " per block: a longer value cannot be a list the size of a legal one. */
    private static final int MAX_HEADER_CHARS = MAX_HEADER_BLOCKS * 12;

    private BlockCrcs() {}

    /** The CRC32Cs of the blocks of {@code b[off, off + len)}; none for no bytes. */
    public static List<Long> of(byte[] b, int off, int len) {
        Running r = new Running();
        r.update(b, off, len);
        return r.crcs();
    }

    /** Block CRC32Cs of a body fed in pieces of any size. Not thread-safe. */
    public static final class Running {
        private final CRC32C crc = new CRC32C();
        private final List<Long> done = new ArrayList<>();
        private int inBlock;

        public void update(byte[] b, int off, int len) {
            while (len > 0) {
                int n = Math.min(len, BLOCK_SIZE - inBlock);
                crc.update(b, off, n);
                inBlock += n;
                off += n;
                len -= n;
                if (inBlock == BLOCK_SIZE) {
                    done.add(crc.getValue());
                    crc.reset();
                    inBlock = 0;
                }
            }
        }

        /** Feeds {@code b}'s remaining bytes, consuming them. */
        public void update(ByteBuffer b) {
            while (b.hasRemaining()) {
                int n = Math.min(b.remaining(), BLOCK_SIZE - inBlock);
                int end = b.limit();
                b.limit(b.position() + n);
                crc.update(b); // advances b to the new limit
                b.limit(end);
                inBlock += n;
                if (inBlock == BLOCK_SIZE) {
                    done.add(crc.getValue());
                    crc.reset();
                    inBlock = 0;
                }
            }
        }

        /** The CRCs of everything fed so far, the last block possibly short. */
        public List<Long> crcs() {
            List<Long> out = new ArrayList<>(done);
            if (inBlock > 0) {
                out.add(crc.getValue());
            }
            return out;
        }
    }

    /** The header's value for {@code crcs}. */
    public static String format(List<Long> crcs) {
        return String.join(",", crcs.stream().map(String::valueOf).toList());
    }

    /** The header's value for {@code crcs}, or empty when there are none or too many to send. */
    public static Optional<String> header(List<Long> crcs) {
        return crcs.isEmpty() || crcs.size() > MAX_HEADER_BLOCKS ? Optional.empty() : Optional.of(format(crcs));
    }

    /**
     * The header's value parsed: 1 to {@link #MAX_HEADER_BLOCKS} CRCs, each an unsigned 32-bit
     * number; anything else is an {@link IllegalArgumentException} naming the header.
     */
    public static List<Long> parse(String value) {
        if (value.length() > MAX_HEADER_CHARS) {
            throw new IllegalArgumentException(HEADER + " lists more than " + MAX_HEADER_BLOCKS + " blocks");
        }
        List<Long> out = new ArrayList<>();
        // -1 keeps empty items, so "," or "" is refused rather than read as no blocks at all.
        for (String part : value.split(",", -1)) {
            try {
                long crc = Long.parseLong(part.trim());
                if (crc >= 0 && crc <= 0xffffffffL) {
                    out.add(crc);
                    continue;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(HEADER + " must be a comma-separated list of unsigned 32-bit numbers");
        }
        if (out.size() > MAX_HEADER_BLOCKS) {
            throw new IllegalArgumentException(HEADER + " lists more than " + MAX_HEADER_BLOCKS + " blocks");
        }
        return out;
    }
}
