package io.chordfs.core.rpc;

import static io.chordfs.core.rpc.RpcTestSupport.assertValueEquals;
import static io.chordfs.core.rpc.RpcTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chordfs.core.ring.NodeRef;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MsgpackValuesTest {

    @Test
    void nodeRefEncodesExactlyAsRpclib() throws Exception {
        byte[] b = MsgpackValues.encode(new NodeRef("127.0.0.1", 15057, 4037961426L));
        assertEquals("93a93132372e302e302e31cd3ad1cef0ae66d2", hex(b));
        assertEquals(new NodeRef("127.0.0.1", 15057, 4037961426L),
                MsgpackValues.asNodeRef(MsgpackValues.decode(b)));
    }

    @Test
    void nonNegativeIntegersUseUnsignedForms() {
        assertEquals("00", hex(MsgpackValues.encode(0L)));
        assertEquals("7f", hex(MsgpackValues.encode(127)));
        assertEquals("cc80", hex(MsgpackValues.encode((short) 128)));
        assertEquals("ceffffffff", hex(MsgpackValues.encode(4294967295L)));
        assertEquals("cfffffffffffffffff", hex(MsgpackValues.encode(new BigInteger("18446744073709551615"))));
        assertEquals("ff", hex(MsgpackValues.encode((byte) -1)));
        assertEquals("a0", hex(MsgpackValues.encode("")), "strings go out as msgpack str");
        assertEquals("c403010203", hex(MsgpackValues.encode(new byte[] {1, 2, 3})));
    }

    @Test
    void roundTripsEveryType() throws Exception {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put("k", List.of(1L, "v"));
        map.put(7L, null);
        List<Object> value = Arrays.asList(null, true, false, 0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE,
                new BigInteger("18446744073709551615"), 1.5, "héllo ✓", new byte[] {0, -1, 2},
                List.of(List.of(), List.of(3L)), map);
        assertValueEquals(value, MsgpackValues.decode(MsgpackValues.encode(value)));

        // Encode-only types come back as their decoded model types.
        Object narrow = MsgpackValues.decode(MsgpackValues.encode(List.of(1, (short) 2, (byte) 3, 2.5f)));
        assertEquals(List.of(1L, 2L, 3L, 2.5), narrow);
        assertEquals(List.of("10.0.0.5", 5057L, 0L),
                MsgpackValues.decode(MsgpackValues.encode(new NodeRef("10.0.0.5", 5057, 0))));
        assertEquals(new BigInteger("9223372036854775808"),
                MsgpackValues.decode(RpcTestSupport.hex("cf8000000000000000")));
        assertEquals(9223372036854775807L, MsgpackValues.decode(RpcTestSupport.hex("cf7fffffffffffffff")));
        assertEquals(1.5, MsgpackValues.decode(RpcTestSupport.hex("ca3fc00000")), "float32 decodes to Double");
        assertInstanceOf(LinkedHashMap.class, MsgpackValues.decode(MsgpackValues.encode(Map.of())));
    }

    @Test
    void stringsAcceptStrAndBin() throws Exception {
        Object bin = MsgpackValues.decode(RpcTestSupport.hex("c403616263"));
        assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), (byte[]) bin);
        assertEquals("abc", MsgpackValues.asString(bin));
        assertEquals("abc", MsgpackValues.asString("abc"));
        // A str whose bytes are not UTF-8 is kept as bytes instead of being mangled.
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xfe}, (byte[]) MsgpackValues.decode(RpcTestSupport.hex("a2fffe")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MsgpackValues.asString(5L));
        assertEquals("expected a string, got Long", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MsgpackValues.asString(new byte[] {(byte) 0xff}));
        assertEquals(new NodeRef("10.0.0.5", 5057, 9),
                MsgpackValues.asNodeRef(List.of("10.0.0.5".getBytes(StandardCharsets.UTF_8), 5057L, 9L)));
        assertThrows(IllegalArgumentException.class, () -> MsgpackValues.asNodeRef(List.of("x", 1L, -1L)));
    }

    @Test
    void rejectsUnencodableValues() {
        assertThrows(IllegalArgumentException.class, () -> MsgpackValues.encode(new Object()));
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThrows(IllegalArgumentException.class, () -> MsgpackValues.encode(cycle));
    }

    @Test
    void hugeHeadersFailBeforeAllocating() throws Exception {
        // Each would need gigabytes if allocated; they must fail on the header alone.
        assertThrows(RpcFormatException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("dd80000000")));
        assertThrows(FrameTooLargeException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("dd7fffffff")));
        assertThrows(FrameTooLargeException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("df7fffffff")));
        assertThrows(FrameTooLargeException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("db06400000616263")));
        assertThrows(FrameTooLargeException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("c67fffffff00")));
        // Within the limit the same kind of header is fine.
        RpcLimits small = RpcLimits.defaults().withMaxFrameBytes(8);
        assertEquals("abcde", MsgpackValues.decode(RpcTestSupport.hex("a56162636465"), small));
        assertThrows(FrameTooLargeException.class,
                () -> MsgpackValues.decode(MsgpackValues.encode("abcdefghi"), small));
        // Many small elements count against the byte budget too, not just headers.
        assertThrows(FrameTooLargeException.class,
                () -> MsgpackValues.decode(MsgpackValues.encode(List.of(1.0, 2.0)), small));
    }

    @Test
    void nestingIsBounded() throws Exception {
        RpcLimits limits = RpcLimits.defaults().withMaxDepth(3);
        assertEquals(List.of(List.of(List.of())), MsgpackValues.decode(RpcTestSupport.hex("919190"), limits));
        assertThrows(FrameTooLargeException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("91919190"), limits));
        assertThrows(FrameTooLargeException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("810091810090"), limits));
    }

    @Test
    void rejectsMalformedInput() {
        assertThrows(RpcFormatException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("d40100")), "ext");
        assertThrows(RpcFormatException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("c1")), "never used");
        assertThrows(RpcFormatException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("93a1")), "truncated");
        assertThrows(RpcFormatException.class, () -> MsgpackValues.decode(RpcTestSupport.hex("0102")), "trailing");
    }
}
