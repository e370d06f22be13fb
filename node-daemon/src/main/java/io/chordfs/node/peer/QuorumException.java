package io.chordfs.node.peer;

/** Fewer copies than the write quorum became durable: the client gets 503 and may retry. */
public final class QuorumException extends RingUnavailableException {
    public QuorumException(String message) {
        super(message);
    }
}
