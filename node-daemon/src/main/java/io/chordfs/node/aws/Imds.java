package io.chordfs.node.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.imds.Ec2MetadataClient;

/**
 * Instance metadata over IMDSv2, through the SDK's {@link Ec2MetadataClient}: it fetches a
 * session token (PUT /latest/api/token with a TTL header) and sends it on every GET. Paths are
 * relative to {@code /latest/meta-data/}.
 */
public final class Imds implements AutoCloseable {
    private static final String BASE = "/latest/meta-data/";
    private final Ec2MetadataClient client;

    public Imds(Ec2MetadataClient client) {
        this.client = client;
    }

    /**
     * The instance's own IMDS, or the one at {@code endpoint} when not null (tests). Without an
     * endpoint the SDK also honours {@code AWS_EC2_METADATA_SERVICE_ENDPOINT}.
     */
    public static Imds connect(URI endpoint) {
        Ec2MetadataClient.Builder b = Ec2MetadataClient.builder().tokenTtl(Duration.ofHours(6))
                .retryPolicy(p -> p.numRetries(3));
        if (endpoint != null) {
            b.endpoint(endpoint);
        }
        return new Imds(b.build());
    }

    /** The value at {@code path}; fails when IMDS cannot be reached or has no such entry. */
    public String require(String path) {
        try {
            return client.get(BASE + path).asString().trim();
        } catch (SdkClientException e) {
            throw new IllegalStateException("cannot read instance metadata " + path + " (--aws runs on an EC2 "
                    + "instance with the metadata service enabled): " + e.getMessage(), e);
        }
    }

    /** The value at {@code path}, or empty when the entry is absent (HTTP 404) or unreadable. */
    public Optional<String> optional(String path) {
        try {
            String v = client.get(BASE + path).asString().trim();
            return v.isEmpty() ? Optional.empty() : Optional.of(v);
        } catch (SdkClientException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
