package io.chordfs.node.s3;

/** The one key pair a node's S3 endpoint accepts, and the region its signatures are scoped to. */
public record S3Credentials(String accessKey, String secretKey, String region) {
    public S3Credentials {
        if (accessKey.isEmpty() || secretKey.isEmpty()) {
            throw new IllegalArgumentException("S3 access key and secret key must not be empty");
        }
    }
}
