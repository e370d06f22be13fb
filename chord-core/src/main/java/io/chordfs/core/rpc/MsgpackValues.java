package io.chordfs.core.rpc;

import io.chordfs.core.ring.NodeRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;

/**
 * Plain Java values for msgpack, the only data model the RPC layer exposes.
 *
 * <p>Decoding gives: {@code null}, {@link Boolean}, {@link Long} (every integer that fits a signed
 * long; a larger uint64 is a {@link BigInteger}), {@link Double} (float32 and float64),
 * {@link String} (msgpack str; str whose bytes are not UTF-8 becomes {@code byte[]}),
 * {@code byte[]} (msgpack bin), {@code List<Object>} (array), {@code Map<Object, Object>} (map,
 * a {@link LinkedHashMap}). Ext types are rejected.
 *
 * <p>Encoding also takes {@link Integer}, {@link Short}, {@link Byte}, {@link Float} and
 * {@link NodeRef} (as {@code [ip, port, id]}). Integers use the smallest msgpack form, so a
 * non-negative one is always a positive fixint or uint, which the C++ rpclib peers require.
 * Strings always go out as msgpack str.
 */
public final class MsgpackValues {
    /** Guards encoding against cyclic or absurdly deep values; far above what any peer decodes. */
    private static final int MAX_ENCODE_DEPTH = 100;
    /** Containers start this small, so a header claiming many elements allocates only as bytes arrive. */
    private static final int MAX_INITIAL_CAPACITY = 1024;

    private MsgpackValues() {}

    /** The msgpack bytes of {@code value}; IllegalArgumentException for a type outside the model. */
    public static byte[] encode(Object value) {
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            pack(packer, value);
            return packer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory packer failed", e); // cannot happen: no I/O
        }
    }

    /** Writes {@code value} to {@code packer}; IllegalArgumentException for a type outside the model. */
    public static void pack(MessagePacker packer, Object value) throws IOException {
        pack(packer, value, 1);
    }

    private static void pack(MessagePacker p, Object v, int depth) throws IOException {
        if (depth > MAX_ENCODE_DEPTH) {
            throw new IllegalArgumentException("value nested deeper than " + MAX_ENCODE_DEPTH);
        }
        if (v == null) {
            p.packNil();
        } else if (v instanceof Boolean b) {
            p.packBoolean(b);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            p.packLong(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            p.packBigInteger(b);
        } else if (v instanceof Double d) {
            p.packDouble(d);
        } else if (v instanceof Float f) {
            p.packFloat(f);
        } else if (v instanceof String s) {
            p.packString(s);
        } else if (v instanceof byte[] b) {
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        } else if (v instanceof NodeRef n) {
            p.packArrayHeader(3);
            p.packString(n.ip());
            p.packLong(n.port());
            p.packLong(n.id());
        } else if (v instanceof List<?> list) {
            p.packArrayHeader(list.size());
            for (Object e : list) {
                pack(p, e, depth + 1);
            }
        } else if (v instanceof Map<?, ?> map) {
            p.packMapHeader(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                pack(p, e.getKey(), depth + 1);
                pack(p, e.getValue(), depth + 1);
            }
        } else {
            throw new IllegalArgumentException("cannot encode " + v.getClass().getName() + " as msgpack");
        }
    }

    /** Decodes exactly one value that must span all of {@code bytes}, within the default limits. */
    public static Object decode(byte[] bytes) throws RpcFormatException {
        return decode(bytes, RpcLimits.defaults());
    }

    /** Decodes exactly one value that must span all of {@code bytes}. */
    public static Object decode(byte[] bytes, RpcLimits limits) throws RpcFormatException {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            Object v = read(u, limits);
            if (u.hasNext()) {
                throw new RpcFormatException("trailing bytes after the value");
            }
            return v;
        } catch (RpcFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new RpcFormatException("cannot decode: " + e.getMessage(), e); // not reachable from a byte[]
        }
    }

    /**
     * Reads the next value from a stream, within {@code limits.maxFrameBytes()} and
     * {@code limits.maxDepth()}. Every length header is checked against the bytes left in the
     * budget before anything is allocated for it.
     *
     * @throws FrameTooLargeException over a limit
     * @throws RpcFormatException malformed msgpack, an ext type, or end of stream inside the value
     * @throws IOException the stream failed
     */
    public static Object read(MessageUnpacker unpacker, RpcLimits limits) throws IOException {
        long end = unpacker.getTotalReadBytes() + limits.maxFrameBytes();
        try {
            return new BoundedReader(unpacker, end, limits.maxFrameBytes(), limits.maxDepth()).value(1);
        } catch (MessageInsufficientBufferException e) {
            throw new RpcFormatException("truncated message", e);
        } catch (MessagePackException e) {
            String detail = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new RpcFormatException("malformed msgpack: " + detail, e);
        }
    }

    /** A string argument: accepts String or UTF-8 {@code byte[]} (peers that send str as raw bytes). */
    public static String asString(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof byte[] b) {
            String s = strictUtf8(b);
            if (s == null) {
                throw new IllegalArgumentException("expected a string, got bytes that are not UTF-8");
            }
            return s;
        }
        throw new IllegalArgumentException("expected a string, got " + typeName(v));
    }

    /** A node argument {@code [ip, port, id]}; the ip may be str or bin. */
    public static NodeRef asNodeRef(Object v) {
        if (!(v instanceof List<?> l) || l.size() != 3) {
            throw new IllegalArgumentException("expected a node [ip, port, id], got " + typeName(v));
        }
        String ip = asString(l.get(0));
        if (!(l.get(1) instanceof Long port) || port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("node port must be an integer in [0, 65535], got " + l.get(1));
        }
        if (!(l.get(2) instanceof Long id) || id < 0 || id > 0xffffffffL) {
            throw new IllegalArgumentException("node id must be an integer in [0, 2^32), got " + l.get(2));
        }
        return new NodeRef(ip, port.intValue(), id);
    }

    /** The UTF-8 text of {@code b}, or null when it is not valid UTF-8. */
    private static String strictUtf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static String typeName(Object v) {
        return v == null ? "nil" : v instanceof byte[] ? "bytes" : v.getClass().getSimpleName();
    }

    /** One message's decoding state: where its byte budget ends and how deep it may nest. */
    private record BoundedReader(MessageUnpacker u, long end, int maxBytes, int maxDepth) {

        Object value(int depth) throws IOException {
            MessageFormat f = u.getNextFormat();
            Object v = switch (f.getValueType()) {
                case NIL -> {
                    u.unpackNil();
                    yield null;
                }
                case BOOLEAN -> u.unpackBoolean();
                case INTEGER -> integer(f);
                case FLOAT -> u.unpackDouble();
                case STRING -> {
                    byte[] b = payload(u.unpackRawStringHeader());
                    String s = strictUtf8(b);
                    yield s != null ? s : b;
                }
                case BINARY -> payload(u.unpackBinaryHeader());
                case ARRAY -> array(depth);
                case MAP -> map(depth);
                case EXTENSION -> throw new RpcFormatException("msgpack ext types are not accepted");
            };
            if (u.getTotalReadBytes() > end) {
                throw new FrameTooLargeException("message longer than " + maxBytes + " bytes");
            }
            return v;
        }

        private Object integer(MessageFormat f) throws IOException {
            if (f != MessageFormat.UINT64) {
                return u.unpackLong();
            }
            BigInteger b = u.unpackBigInteger();
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }

        private List<Object> array(int depth) throws IOException {
            int n = u.unpackArrayHeader();
            enter(n, depth); // every element takes at least one byte
            List<Object> list = new ArrayList<>(Math.min(n, MAX_INITIAL_CAPACITY));
            for (int i = 0; i < n; i++) {
                list.add(value(depth + 1));
            }
            return list;
        }

        private Map<Object, Object> map(int depth) throws IOException {
            int n = u.unpackMapHeader();
            enter(2L * n, depth); // every key and value takes at least one byte
            Map<Object, Object> map = new LinkedHashMap<>(Math.min(n, MAX_INITIAL_CAPACITY));
            for (int i = 0; i < n; i++) {
                Object k = value(depth + 1);
                map.put(k, value(depth + 1));
            }
            return map;
        }

        private void enter(long minBytes, int depth) throws FrameTooLargeException {
            if (depth > maxDepth) {
                throw new FrameTooLargeException("message nested deeper than " + maxDepth);
            }
            fits(minBytes);
        }

        private byte[] payload(int n) throws IOException {
            fits(n);
            return u.readPayload(n);
        }

        private void fits(long n) throws FrameTooLargeException {
            if (n > end - u.getTotalReadBytes()) {
                throw new FrameTooLargeException("length " + n + " exceeds the " + maxBytes + "-byte message limit");
            }
        }
    }
}
