package io.chordfs.client;

import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.net.BlockCrcs;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkCheckTest {
    private static final byte[] BYTES = new byte[2 * BlockCrcs.BLOCK_SIZE + 1234];
    private static final Manifest.Chunk CHUNK;

    static {
        new Random(7).nextBytes(BYTES);
        CHUNK = new Manifest.Chunk("f_chunk_1", BYTES.length, sha(BYTES));
    }

    private static String sha(byte[] b) {
        return HexFormat.of().formatHex(Transfers.digest().digest(b));
    }

    private static RingClient.Raw raw(String etag, List<Long> crcs) {
        return new RingClient.Raw(BYTES.length, Optional.ofNullable(etag), crcs, InputStream.nullInputStream());
    }

    /** Feeds {@code b} in uneven pieces, as a socket delivers it. */
    private static boolean check(Transfers.ChunkCheck c, byte[] b) {
        for (int off = 0, n = 1; off < b.length; off += n, n = n * 3 + 7) {
            n = Math.min(n, b.length - off);
            c.update(b, off, n);
        }
        return c.matches(b.length);
    }

    private static byte[] flipped(int at) {
        byte[] b = BYTES.clone();
        b[at] ^= 0x10;
        return b;
    }

    @Test
    void theManifestsSha256AsEtagAndTheStoredCrcsStandInForHashing() {
        List<Long> crcs = BlockCrcs.of(BYTES, 0, BYTES.length);
        Transfers.ChunkCheck good = new Transfers.ChunkCheck(CHUNK, raw(CHUNK.sha256(), crcs));
        assertTrue(good.byCrcs());
        assertTrue(check(good, BYTES));

        for (int at : new int[] {0, BlockCrcs.BLOCK_SIZE + 5, BYTES.length - 1}) {
            Transfers.ChunkCheck c = new Transfers.ChunkCheck(CHUNK, raw(CHUNK.sha256(), crcs));
            assertFalse(check(c, flipped(at)), "a flipped byte at " + at + " passed");
        }
        Transfers.ChunkCheck shortRead = new Transfers.ChunkCheck(CHUNK, raw(CHUNK.sha256(), crcs));
        shortRead.update(BYTES, 0, BYTES.length - 1);
        assertFalse(shortRead.matches(BYTES.length - 1));
    }

    @Test
    void withoutBothTheBytesAreHashedAgainstTheManifest() {
        List<Long> crcs = BlockCrcs.of(BYTES, 0, BYTES.length);
        List<Long> tooFew = crcs.subList(0, 2);
        // Another version on the node (its ETag differs): its own CRCs prove nothing about the manifest.
        byte[] other = flipped(9);
        List<Long> otherCrcs = BlockCrcs.of(other, 0, other.length);
        List<RingClient.Raw> hashed = List.of(raw(null, crcs), raw(CHUNK.sha256(), List.of()),
                raw(CHUNK.sha256(), tooFew), raw(sha(other), otherCrcs));
        for (RingClient.Raw r : hashed) {
            Transfers.ChunkCheck c = new Transfers.ChunkCheck(CHUNK, r);
            assertFalse(c.byCrcs(), "CRCs trusted for " + r);
            assertTrue(check(c, BYTES));
            assertFalse(check(new Transfers.ChunkCheck(CHUNK, r), other), "the other version passed for " + r);
        }
        // CRCs that do not belong to the bytes, under the right ETag: the bytes are refused
        List<Long> wrong = new ArrayList<>(crcs);
        wrong.set(0, wrong.get(0) ^ 1);
        assertFalse(check(new Transfers.ChunkCheck(CHUNK, raw(CHUNK.sha256(), wrong)), BYTES));
    }
}
