package io.chordfs.core.net;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.MsgpackValues;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Peers shaped like the C++ reference nodes (rpclib over msgpack-c), on raw sockets against a
 * real 3-node ring: a new TCP connection per call, requests numbered from 1, and replies that
 * must decode as {@code [uint32, uint32, obj, obj]} with every integer in an unsigned msgpack
 * format (rpclib crashes on a negative or out-of-range unsigned integer).
 */
class RpclibPeerCompatTest {
    /** The id from DESIGN.md's byte-exact example; one ring member gets it. */
    private static final long EXAMPLE_ID = 4037961426L;
    private static final Set<MessageFormat> UNSIGNED =
            EnumSet.of(MessageFormat.POSFIXINT, MessageFormat.UINT8, MessageFormat.UINT16, MessageFormat.UINT32);
    private static final Set<MessageFormat> SHORT_STR = EnumSet.of(MessageFormat.FIXSTR, MessageFormat.STR8);
    private static final HexFormat HEX = HexFormat.of();

    private static final List<ChordService> RING = new ArrayList<>();

    @BeforeAll
    static void startRing() throws Exception {
        ChordConfig fast = ChordConfig.defaults().withPeriods(50, 50);
        for (int i = 0; i < 3; i++) {
            ChordService.Options o = ChordService.Options.of("127.0.0.1", 0).withChord(fast);
            ChordService s = ChordService.start(i == 1 ? o.withId(EXAMPLE_ID) : o);
            RING.add(s);
            if (i == 0) {
                s.create().get(5, TimeUnit.SECONDS);
            } else {
                s.join(RING.get(0).self().address()).get(10, TimeUnit.SECONDS);
            }
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (!RingCheck.consistent(RING.stream().map(ChordService::node).toList(), true)) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting until 3 nodes form one ring");
            Thread.sleep(20);
        }
    }

    @AfterAll
    static void stopRing() {
        RING.forEach(ChordService::close);
        RING.clear();
    }

    @Test
    void nodeEncodingIsByteExact() {
        String expected = "93" + "a9" + "3132372e302e302e31" + "cd" + "3ad1" + "ce" + "f0ae66d2";
        NodeRef n = new NodeRef("127.0.0.1", 15057, EXAMPLE_ID);
        assertEquals(expected, HEX.formatHex(MsgpackValues.encode(Wire.node(n))));
        assertEquals(expected, HEX.formatHex(MsgpackValues.encode(n)));
        // The empty node, small ports and ids at the edges stay in unsigned formats too.
        assertEquals("93a00000", HEX.formatHex(MsgpackValues.encode(Wire.node(NodeRef.NONE))));
        assertEquals("93a131cc80ceffffffff",
                HEX.formatHex(MsgpackValues.encode(Wire.node(new NodeRef("1", 128, 0xffffffffL)))));
    }

    @Test
    void everyCallOfAReferenceNodeOnAFreshConnectionDecodesAsRpclibExpects() throws Exception {
        List<Long> ids = List.of(Keys.key("a.txt"), 0L, 0xffffffffL, EXAMPLE_ID, EXAMPLE_ID + 1);
        for (ChordService s : RING) {
            ChordNode node = s.node();
            NodeRef pred = node.predecessor();
            assertNotNull(pred, "a converged ring gives every node a predecessor");
            String at = " at " + s.self();

            // The C++ stabilize round on its successor, then the predecessor check, then lookups.
            assertEquals(Wire.node(pred), callFresh(s, "get_predecessor", List.of()).result, "get_predecessor" + at);
            assertEquals(Wire.node(node.successors().get(0)), callFresh(s, "get_successor", List.of(0L)).result,
                    "get_successor(0)" + at);
            assertEquals(Wire.node(node.successors().get(1)), callFresh(s, "get_successor", List.of(1L)).result,
                    "get_successor(1)" + at);
            // notify(self) from the real predecessor, as its stabilize sends it: harmless.
            assertNull(callFresh(s, "notify", List.of(Wire.node(pred))).result, "notify" + at);
            assertEquals(pred, node.predecessor(), "notify from the predecessor changed it" + at);
            assertEquals(Wire.node(s.self()), callFresh(s, "get_info", List.of()).result, "get_info" + at);
            for (long id : ids) {
                assertEquals(Wire.node(owner(id)), callFresh(s, "find_successor", List.of(id)).result,
                        "find_successor(" + id + ")" + at);
            }
        }
    }

    @Test
    void getInfoReplyOfTheExampleNodeIsByteExact() throws Exception {
        ChordService example = RING.stream().filter(s -> s.self().id() == EXAMPLE_ID).findFirst().orElseThrow();
        Reply r = callFresh(example, "get_info", List.of());
        String port = String.format("%04x", example.self().port());
        // [1, 1, nil, ["127.0.0.1", port as uint16, 4037961426 as uint32]]
        assertEquals("94" + "01" + "01" + "c0" + "93a93132372e302e302e31" + "cd" + port + "ce" + "f0ae66d2",
                HEX.formatHex(r.raw));
    }

    @Test
    void errorAnswersAlsoDecodeAsFourElementsWithUnsignedHeader() throws Exception {
        ChordService s = RING.get(0);
        for (List<Object> call : List.of(
                List.<Object>of("no_such_method", List.of()),
                List.<Object>of("get_successor", List.of(99L)),
                List.<Object>of("find_successor", List.of("notanumber")))) {
            Reply r = exchange(s, List.of(request(1, (String) call.get(0), (List<?>) call.get(1))), 1).get(1L);
            assertInstanceOf(String.class, r.error, call + " answers a string error");
            assertFalse(((String) r.error).isBlank(), call + " error text");
            assertNull(r.result, call + " result is nil on error");
        }
        // The node still serves rpclib peers after those.
        assertEquals(Wire.node(s.self()), callFresh(s, "get_info", List.of()).result);
    }

    @Test
    void pipelinedRequestsOnOneConnectionAreAnsweredByMsgid() throws Exception {
        ChordService s = RING.get(0);
        long id = Keys.key("a.txt");
        // A lookup that may be forwarded, then a local call, back to back in one write.
        Map<Long, Reply> replies = exchange(s, List.of(
                request(1, "find_successor", List.of(id)),
                request(2, "get_info", List.of())), 2);
        assertEquals(Set.of(1L, 2L), replies.keySet());
        assertEquals(Wire.node(owner(id)), replies.get(1L).result, "msgid 1: find_successor");
        assertEquals(Wire.node(s.self()), replies.get(2L).result, "msgid 2: get_info");
    }

    // ---- an rpclib-shaped peer -----------------------------------------------------------------

    /** A decoded reply and the bytes it came in. */
    private record Reply(long msgid, Object error, Object result, byte[] raw) {}

    /** One call as rpclib makes it: a new connection, msgid 1, the reply checked format by format. */
    private static Reply callFresh(ChordService to, String method, List<?> params) throws IOException {
        Reply r = exchange(to, List.of(request(1, method, params)), 1).get(1L);
        assertNull(r.error, method + params + " answered an error: " + r.error);
        return r;
    }

    private static byte[] request(long msgid, String method, List<?> params) throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(4).packInt(0).packLong(msgid).packString(method);
            MsgpackValues.pack(p, params);
            return p.toByteArray();
        }
    }

    /**
     * Opens a connection, writes every request in one go, reads {@code expected} replies (checking
     * each as rpclib would decode it), then half-closes and checks the node sent nothing more.
     */
    private static Map<Long, Reply> exchange(ChordService to, List<byte[]> requests, int expected) throws IOException {
        try (Socket socket = new Socket(to.self().ip(), to.self().port())) {
            socket.setSoTimeout(15_000);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (byte[] r : requests) {
                all.write(r);
            }
            OutputStream out = socket.getOutputStream();
            out.write(all.toByteArray());
            out.flush();

            Recording in = new Recording(socket.getInputStream());
            MessageUnpacker u = MessagePack.newDefaultUnpacker(in);
            Map<Long, Reply> replies = new HashMap<>();
            for (int k = 0; k < expected; k++) {
                int before = (int) u.getTotalReadBytes();
                Reply r = readReply(u, in, before);
                assertNull(replies.put(r.msgid, r), "msgid " + r.msgid + " answered twice");
            }
            assertEquals(in.bytes().length, u.getTotalReadBytes(),
                    "bytes after the last reply: " + HEX.formatHex(in.bytes()));
            socket.shutdownOutput();
            socket.setSoTimeout(500);
            try {
                int b = in.read();
                assertEquals(-1, b, "the node sent more than the replies");
            } catch (SocketTimeoutException stillOpen) {
                // the node keeps the connection open for more calls: equally fine for rpclib
            }
            return replies;
        }
    }

    /** {@code [uint32 type, uint32 msgid, error, result]}, every integer unsigned, every ip a short str. */
    private static Reply readReply(MessageUnpacker u, Recording in, int start) throws IOException {
        assertEquals(MessageFormat.FIXARRAY, u.getNextFormat(), "a reply is a fixarray");
        assertEquals(4, u.unpackArrayHeader(), "a reply has exactly 4 elements");
        assertEquals(MessageFormat.POSFIXINT, u.getNextFormat(), "type is a positive fixint");
        assertEquals(1, u.unpackLong(), "type 1 = response");
        long msgid = unsigned(u, "msgid");
        Object error = value(u, "error", false);
        Object result = value(u, "result", true);
        byte[] raw = Arrays.copyOfRange(in.bytes(), start, (int) u.getTotalReadBytes());
        return new Reply(msgid, error, result, raw);
    }

    private static long unsigned(MessageUnpacker u, String what) throws IOException {
        MessageFormat f = u.getNextFormat();
        assertTrue(UNSIGNED.contains(f), what + " must be a positive fixint or uint8/16/32, was " + f);
        long v = u.unpackLong();
        assertTrue(v >= 0 && v <= 0xffffffffL, what + " out of uint32 range: " + v);
        return v;
    }

    /**
     * Decodes a value, failing on any integer format an rpclib peer would choke on. In a result
     * (nodes) every string must be a short str as ips are; an error text may be any str.
     */
    private static Object value(MessageUnpacker u, String path, boolean shortStrings) throws IOException {
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
            case NIL:
                u.unpackNil();
                return null;
            case INTEGER:
                return unsigned(u, path);
            case STRING: {
                assertTrue(!shortStrings || SHORT_STR.contains(f), path + ": a string must be fixstr or str8, was " + f);
                return u.unpackString();
            }
            case ARRAY: {
                int n = u.unpackArrayHeader();
                List<Object> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    l.add(value(u, path + "[" + i + "]", shortStrings));
                }
                return l;
            }
            default:
                return fail(path + ": unexpected msgpack type " + f + " in a Chord reply");
        }
    }

    private static NodeRef owner(long id) {
        List<NodeRef> sorted = RING.stream().map(ChordService::self).sorted(Comparator.comparingLong(NodeRef::id)).toList();
        return sorted.stream().filter(r -> r.id() >= id).findFirst().orElse(sorted.get(0));
    }

    /** Keeps every byte read from the socket, to check replies byte by byte. */
    private static final class Recording extends FilterInputStream {
        private final ByteArrayOutputStream seen = new ByteArrayOutputStream();

        Recording(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                seen.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                seen.write(b, off, n);
            }
            return n;
        }

        byte[] bytes() {
            return seen.toByteArray();
        }
    }
}
