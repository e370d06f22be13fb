package io.chordfs.node.store;

import java.io.IOException;

/** Stored bytes that no longer match their checksum: never served. */
public final class CorruptObjectException extends IOException {
    public CorruptObjectException(String message) {
        super(message);
    }
}
