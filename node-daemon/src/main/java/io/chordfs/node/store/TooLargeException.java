package io.chordfs.node.store;

import java.io.IOException;

/** An object larger than a node takes ({@code --max-object-size}, or an upload's file count): 413, nothing stored. */
public final class TooLargeException extends IOException {
    public TooLargeException(String message) {
        super(message);
    }
}
