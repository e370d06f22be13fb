package io.chordfs.core.rpc;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An msgpack-rpc error answer. A handler completes its future exceptionally with one to send
 * {@link #error()} as the answer's error object; the client fails a call with one when the peer
 * answered with an error.
 */
public class RpcError extends RuntimeException {
    private final transient Object error;

    /** {@code error} is any encodable value but nil (nil means success on the wire); peers expect a string. */
    public RpcError(Object error) {
        // No stack trace: the error is data from (or for) the wire, the trace would only show an I/O thread.
        super(describe(Objects.requireNonNull(error, "error")), null, false, false);
        this.error = error;
    }

    public static RpcError unknownMethod(String method) {
        return new RpcError("unknown method '" + method + "'");
    }

    public static RpcError badParams(String method, String message) {
        return new RpcError("bad params for '" + method + "': " + message);
    }

    /** The error object as sent on the wire (a String, or byte[] from peers that send str as raw bytes). */
    public Object error() {
        return error;
    }

    private static String describe(Object error) {
        return error instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(error);
    }
}
