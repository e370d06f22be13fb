package io.chordfs.node.peer;

import java.io.IOException;

/** The ring could not say where a name lives, or its owner did not answer: 503, try again. */
public class RingUnavailableException extends IOException {
    public RingUnavailableException(String message) {
        super(message);
    }
}
