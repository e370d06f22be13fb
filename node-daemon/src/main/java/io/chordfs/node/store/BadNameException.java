package io.chordfs.node.store;

/** A name that breaks the name rules; answered with 400, and nothing is read or written. */
public final class BadNameException extends IllegalArgumentException {
    public BadNameException(String message) {
        super(message);
    }
}
