package io.chordfs.client;

/** A failure to report as one line on stderr, exit code 1. */
public class ClientException extends Exception {
    public ClientException(String message) {
        super(message);
    }

    public ClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
