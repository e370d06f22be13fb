package io.chordfs.node.store;

import java.io.IOException;

/** The write does not fit the quota or the disk; answered with 507, and nothing is left behind. */
public final class StoreFullException extends IOException {
    public StoreFullException(String message) {
        super(message);
    }
}
