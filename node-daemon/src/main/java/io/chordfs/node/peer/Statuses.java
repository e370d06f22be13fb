package io.chordfs.node.peer;

import io.chordfs.node.store.BadNameException;
import io.chordfs.node.store.ConflictException;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.StoreFullException;
import io.chordfs.node.store.TooLargeException;

/**
 * The one map between failures and HTTP statuses, for both ports: the file server and the
 * transfer endpoint answer a failure with {@link #of}, and {@link PeerClient} turns a peer's
 * status back into the same failure with {@link #failure}, so a status passes through any number
 * of nodes unchanged (an owner's 503 or 507 reaches the client as 503 or 507).
 */
public final class Statuses {
    private Statuses() {}

    /** The status for a failure, or 500 for one that is not the client's or the ring's to fix. */
    public static int of(Throwable e) {
        if (e instanceof BadNameException || e instanceof IllegalArgumentException) {
            return 400;
        }
        if (e instanceof ConflictException) {
            return 409;
        }
        if (e instanceof ForwardRefusedException) {
            return 502;
        }
        if (e instanceof TooLargeException) {
            return 413;
        }
        if (e instanceof CorruptObjectException) {
            return 422;
        }
        if (e instanceof RingUnavailableException) {
            return 503;
        }
        if (e instanceof StoreFullException) {
            return 507;
        }
        return 500;
    }

    /** The failure a peer's status stands for, carrying {@code message}; a plain IOException for any other. */
    public static java.io.IOException failure(int code, String message) {
        return switch (code) {
            case 409 -> new ConflictException(message);
            case 413 -> new TooLargeException(message);
            case 422 -> new CorruptObjectException(message);
            case 503 -> new RingUnavailableException(message);
            case 507 -> new StoreFullException(message);
            default -> new java.io.IOException(message);
        };
    }
}
