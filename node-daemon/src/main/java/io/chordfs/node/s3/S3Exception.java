package io.chordfs.node.s3;

/** A request S3 refuses with {@link #error()}; the message is the one its error document carries. */
public final class S3Exception extends Exception {
    private final S3Error error;

    public S3Exception(S3Error error) {
        this(error, error.message());
    }

    public S3Exception(S3Error error, String message) {
        super(message);
        this.error = error;
    }

    public S3Error error() {
        return error;
    }
}
