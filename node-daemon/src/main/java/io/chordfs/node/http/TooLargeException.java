package io.chordfs.node.http;

import java.io.IOException;

/** An object larger than the file port takes ({@code --max-object-size}): 413, nothing stored. */
final class TooLargeException extends IOException {
    TooLargeException(String message) {
        super(message);
    }
}
