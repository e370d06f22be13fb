package io.chordfs.deploy;

/** A failure to report in one line (exit 1), as opposed to a usage error (exit 2). */
public final class DeployException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DeployException(String message) { super(message); }
}
