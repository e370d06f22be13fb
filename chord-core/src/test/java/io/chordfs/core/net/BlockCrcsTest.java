package io.chordfs.core.net;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BlockCrcsTest {
    private static List<Long> byHand(byte[] b) {
        List<Long> out = new ArrayList<>();
        for (int at = 0; at < b.length; at += BlockCrcs.BLOCK_SIZE) {
            CRC32C c = new CRC32C();
            c.update(b, at, Math.min(BlockCrcs.BLOCK_SIZE, b.length - at));
            out.add(c.getValue());
        }
        return out;
    }

    @Test
    void oneCrcPerBlockHoweverTheBytesArriveInPieces() {
        byte[] b = new byte[3 * BlockCrcs.BLOCK_SIZE + 12_345];
        new Random(1).nextBytes(b);
        List<Long> expected = byHand(b);
        assertEquals(4, expected.size());
        assertEquals(expected, BlockCrcs.of(b, 0, b.length));
        BlockCrcs.Running r = new BlockCrcs.Running();
        Random pieces = new Random(2);
        for (int at = 0; at < b.length; ) {
            int n = Math.min(b.length - at, 1 + pieces.nextInt(300_000));
            r.update(b, at, n);
            at += n;
        }
        assertEquals(expected, r.crcs());
        BlockCrcs.Running direct = new BlockCrcs.Running();
        for (int at = 0; at < b.length; ) {
            int n = Math.min(b.length - at, 1 + pieces.nextInt(3_000_000));
            ByteBuffer piece = ByteBuffer.allocateDirect(n).put(b, at, n).flip();
            direct.update(piece);
            assertEquals(0, piece.remaining(), "consumed");
            at += n;
        }
        assertEquals(expected, direct.crcs(), "from buffers outside the heap, across block boundaries");
        assertEquals(List.of(), BlockCrcs.of(b, 0, 0));
        byte[] exact = new byte[BlockCrcs.BLOCK_SIZE];
        assertEquals(byHand(exact), BlockCrcs.of(exact, 0, exact.length), "no empty block after a full one");
    }

    @Test
    void theHeaderRoundTripsAndRefusesWhatIsNotAList() {
        List<Long> crcs = List.of(0L, 1L, 0xffffffffL, 123_456_789L);
        assertEquals(crcs, BlockCrcs.parse(BlockCrcs.format(crcs)));
        assertEquals(List.of(7L, 8L), BlockCrcs.parse(" 7, 8 "));
        for (String bad : new String[] {"", ",", "1,,2", "x", "-1", "4294967296", "1;2"}) {
            assertThrows(IllegalArgumentException.class, () -> BlockCrcs.parse(bad), bad);
        }
        List<Long> tooMany = new ArrayList<>();
        for (int i = 0; i <= BlockCrcs.MAX_HEADER_BLOCKS; i++) {
            tooMany.add(1L);
        }
        assertThrows(IllegalArgumentException.class, () -> BlockCrcs.parse(BlockCrcs.format(tooMany)));
        assertEquals(BlockCrcs.MAX_HEADER_BLOCKS, BlockCrcs.parse(BlockCrcs.format(tooMany.subList(1, tooMany.size()))).size());
    }
}
