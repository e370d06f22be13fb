package io.chordfs.core.rpc;

import java.io.IOException;

/**
 * Bytes on an RPC stream that are not acceptable msgpack-rpc: malformed or truncated msgpack, an
 * ext type, or a message whose shape is wrong. An I/O error because the stream it came from can no
 * longer be trusted: the connection is closed.
 */
public class RpcFormatException extends IOException {
    public RpcFormatException(String message) {
        super(message);
    }

    public RpcFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
