package io.chordfs.core.rpc;

import static io.chordfs.core.rpc.RpcTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/** The scanner finds message ends in bytes that arrive piece by piece, and agrees with the decoder. */
class FrameScannerTest {
    static final RpcLimits LIMITS = RpcLimits.defaults().withMaxFrameBytes(4096).withMaxDepth(8);

    /** Feeds {@code bytes} one at a time; the length comes exactly when the last byte of the message does. */
    private static int scanByteByByte(FrameScanner scanner, byte[] bytes) throws RpcFormatException {
        ByteBuf buf = Unpooled.buffer();
        for (int i = 0; i < bytes.length; i++) {
            buf.writeByte(bytes[i]);
            int n = scanner.scan(buf);
            if (n >= 0) {
                return n;
            }
        }
        return -1;
    }

    @Test
    void findsTheEndOfEveryKindOfValueOnlyWhenItsLastByteArrives() throws Exception {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put("k", List.of(1L, -1L));
        map.put(7L, new byte[300]);
        List<Object> values = Arrays.asList(null, true, 5L, -33L, 255L, 65536L, 1L << 40, -(1L << 40), 1.5,
                "x".repeat(40), "y".repeat(300), new byte[3000],
                List.of(), List.of(List.of(List.of())), map, Arrays.asList(0L, 1L, "find_successor", List.of(5L)));
        for (Object v : values) {
            byte[] bytes = MsgpackValues.encode(v);
            FrameScanner scanner = new FrameScanner(LIMITS);
            assertEquals(bytes.length, scanByteByByte(scanner, bytes), () -> "value " + hex(bytes));
        }
    }

    @Test
    void scansBackToBackMessagesOneAtATime() throws Exception {
        byte[] a = MsgpackValues.encode(List.of(0L, 1L, "echo", List.of("a")));
        byte[] b = MsgpackValues.encode(List.of(2L, "note", List.of()));
        ByteBuf buf = Unpooled.wrappedBuffer(RpcTestSupport.concat(a, b, Arrays.copyOf(a, 3)));
        FrameScanner scanner = new FrameScanner(LIMITS);
        assertEquals(a.length, scanner.scan(buf));
        buf.skipBytes(a.length);
        assertEquals(b.length, scanner.scan(buf));
        buf.skipBytes(b.length);
        assertEquals(-1, scanner.scan(buf));
        assertTrue(scanner.inMessage());
    }

    @Test
    void refusesHeadersBeyondTheLimitsBeforeTheirBytesArrive() {
        FrameScanner scanner = new FrameScanner(LIMITS);
        for (String bad : List.of("db06400000", "dd7fffffff", "c600001000", "dc1001")) {
            assertThrows(FrameTooLargeException.class, () -> new FrameScanner(LIMITS).scan(Unpooled.wrappedBuffer(hex(bad))),
                    bad);
        }
        byte[] deep = new byte[9];
        Arrays.fill(deep, (byte) 0x91);
        assertThrows(FrameTooLargeException.class, () -> scanner.scan(Unpooled.wrappedBuffer(deep)));
        assertThrows(RpcFormatException.class, () -> new FrameScanner(LIMITS).scan(Unpooled.wrappedBuffer(hex("91c1"))));
        assertThrows(RpcFormatException.class, () -> new FrameScanner(LIMITS).scan(Unpooled.wrappedBuffer(hex("92d40100"))));
    }

    /** On random bytes the scanner says what the decoder says: a value of this length, more needed, or bad. */
    @Test
    void agreesWithTheDecoderOnRandomInput() throws Exception {
        Random random = new Random(16);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[1 + random.nextInt(i % 100 == 0 ? 2000 : 24)];
            random.nextBytes(bytes);
            if (i % 3 == 0) {
                bytes[0] = (byte) (0x90 | random.nextInt(4)); // an array: more interesting than a lone scalar
            }
            String verdict;
            try {
                int n = scanByteByByte(new FrameScanner(LIMITS), bytes);
                verdict = n < 0 ? "more" : "value of " + n;
            } catch (RpcFormatException e) {
                verdict = "bad";
            }
            String expected = decoderVerdict(bytes);
            assertEquals(expected, verdict, () -> hex(bytes));
        }
    }

    /** What the decoder makes of the first value in {@code bytes}; the fuzz target compares with it too. */
    static String decoderVerdict(byte[] bytes) {
        MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes);
        try {
            MsgpackValues.read(u, LIMITS);
            return "value of " + u.getTotalReadBytes();
        } catch (FrameTooLargeException e) {
            return "bad";
        } catch (IOException e) {
            return e.getMessage().startsWith("truncated") ? "more" : "bad";
        }
    }
}
