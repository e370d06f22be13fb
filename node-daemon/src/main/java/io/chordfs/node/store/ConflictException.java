package io.chordfs.node.store;

import java.io.IOException;

/**
 * A write that would replace or hide an object it has no right to (a plain write over a chunked
 * file's chunk, a chunked upload over a plain file, a second body for an upload's chunk): 409,
 * and the message names the object and the file it belongs to.
 */
public final class ConflictException extends IOException {
    public ConflictException(String message) {
        super(message);
    }
}
