package io.chordfs.node.peer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.ring.Ring;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node-to-node port's headers and query strings: each parses into a value within its rules
 * or is refused with IllegalArgumentException (a 400 before the store is touched), and whatever
 * a peer's PeerClient sends comes back exactly.
 *
 * <p>Input: the first byte picks the part ('0' X-ChordFS-Crc32c, '1' X-ChordFS-Version,
 * '2' X-ChordFS-Sha256, '3' the query of /objects and /digest; any byte picks one), the rest is
 * the value as the JDK hands it over (ISO-8859-1). Seeds run in mvn test; JAZZER_FUZZ=1 fuzzes.
 */
class PeerParamsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void peerHeadersAndQueriesParseWithinTheirRulesOrAreRefused(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        String value = new String(input, 1, input.length - 1, StandardCharsets.ISO_8859_1);
        switch (Math.floorMod(input[0] - '0', 4)) {
            case 0 -> crcs(value, input);
            case 1 -> number(value);
            case 2 -> sha256(value, input);
            default -> query(value, input);
        }
    }

    private static void crcs(String header, byte[] input) {
        try {
            List<Long> crcs = BlockCrcs.parse(header);
            assertFalse(crcs.isEmpty());
            crcs.forEach(c -> assertTrue(c >= 0 && c <= 0xffffffffL, header));
        } catch (IllegalArgumentException refused) {
            // 400
        }
        // Block CRCs as senders format them: every list of unsigned 32-bit values comes back.
        ByteBuffer b = ByteBuffer.wrap(input);
        List<Long> sent = new ArrayList<>();
        while (b.remaining() >= 4) {
            sent.add(Integer.toUnsignedLong(b.getInt()));
        }
        if (!sent.isEmpty() && sent.size() <= BlockCrcs.MAX_HEADER_BLOCKS) {
            assertEquals(sent, BlockCrcs.parse(BlockCrcs.format(sent)));
        }
    }

    private static void number(String header) {
        Long n;
        try {
            n = PeerParams.number(PeerHeaders.VERSION, header);
        } catch (IllegalArgumentException refused) {
            return;
        }
        assertEquals(n, PeerParams.number(PeerHeaders.VERSION, Long.toString(n)));
    }

    private static void sha256(String header, byte[] input) throws Exception {
        try {
            String sha = PeerParams.sha256(header);
            assertTrue(sha.length() == 64 && sha.chars().allMatch(c -> "0123456789abcdef".indexOf(c) >= 0), () -> "accepted " + sha);
        } catch (IllegalArgumentException refused) {
            // 400
        }
        String real = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input));
        assertEquals(real, PeerParams.sha256(real));
    }

    private static void query(String raw, byte[] input) {
        try {
            Map<String, String> q = PeerParams.query(raw);
            q.keySet().forEach(k -> assertTrue(!k.isEmpty() && k.indexOf('&') < 0 && k.indexOf('=') < 0, k));
            long[] range = PeerParams.range(q);
            assertTrue(Ring.isId(range[0]) && Ring.isId(range[1]), raw);
            int buckets = PeerParams.buckets(q);
            assertTrue(buckets >= 1 && buckets <= PeerParams.MAX_BUCKETS, raw);
        } catch (IllegalArgumentException refused) {
            // 400
        }
        // The digest query as PeerClient sends it comes back exactly.
        long from = input.length;
        long to = Integer.toUnsignedLong(raw.hashCode());
        int buckets = 1 + Math.floorMod(raw.hashCode(), PeerParams.MAX_BUCKETS);
        Map<String, String> sent = PeerParams.query("from=" + from + "&to=" + to + "&buckets=" + buckets);
        assertEquals(List.of(from, to), List.of(PeerParams.range(sent)[0], PeerParams.range(sent)[1]));
        assertEquals(buckets, PeerParams.buckets(sent));
    }
}
