package io.chordfs.core.rpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/** The three msgpack-rpc message shapes, encoded. */
final class RpcMessages {
    static final long REQUEST = 0;
    static final long RESPONSE = 1;
    static final long NOTIFICATION = 2;

    private RpcMessages() {}

    /** {@code [0, msgid, method, params]}; {@code params} is an already encoded array. */
    static byte[] request(long msgid, String method, byte[] params) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(4).packLong(REQUEST).packLong(msgid).packString(method);
            p.writePayload(params);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory packer: cannot happen
        }
    }

    /** {@code [2, method, params]}; {@code params} is an already encoded array. */
    static byte[] notification(String method, byte[] params) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(3).packLong(NOTIFICATION).packString(method);
            p.writePayload(params);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code [1, msgid, error, result]}. The msgid is echoed as the value received (a non-negative
     * Long or a uint64 BigInteger), so it goes out as an unsigned int.
     */
    static byte[] response(Object msgid, Object error, Object result) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(4).packLong(RESPONSE);
            MsgpackValues.pack(p, msgid);
            MsgpackValues.pack(p, error);
            MsgpackValues.pack(p, result);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The encoded params array; null means none. IllegalArgumentException for an unencodable value. */
    static byte[] params(List<?> params) {
        return MsgpackValues.encode(params == null ? List.of() : params);
    }
}
