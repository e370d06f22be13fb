package io.chordfs.node.peer;

import java.io.IOException;

/**
 * The owner refused a write this node forwarded to it, because the bytes it got do not match the
 * checksum this node sent with them: they changed between the two nodes. Nothing was stored;
 * the client's bytes were fine (this node checked them), so it may retry: 502.
 */
public class ForwardRefusedException extends IOException {
    public ForwardRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
