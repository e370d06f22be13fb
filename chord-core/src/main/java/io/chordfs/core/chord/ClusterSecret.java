package io.chordfs.core.chord;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The ring's optional shared secret, which admin RPCs ({@code kill}) and node-to-node transfers
 * must carry when one is configured. A given value is compared in constant time, and the secret
 * is never printed: {@link ChordConfig} is a record, whose toString shows every part.
 */
public final class ClusterSecret {
    /** No secret: every call is admitted, as the teaching design's nodes do. */
    public static final ClusterSecret NONE = new ClusterSecret(null);

    private final byte[] utf8;

    private ClusterSecret(byte[] utf8) {
        this.utf8 = utf8;
    }

    /** The secret {@code secret}, or {@link #NONE} for null. */
    public static ClusterSecret of(String secret) {
        return secret == null ? NONE : new ClusterSecret(secret.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether a call that carries {@code given} (null: nothing) may proceed. */
    public boolean admits(byte[] given) {
        // The configured bytes come first: isEqual's time then depends on their length only.
        return utf8 == null || given != null && MessageDigest.isEqual(utf8, given);
    }

    public boolean admits(String given) {
        return admits(given == null ? null : given.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return utf8 == null ? "no cluster secret" : "a cluster secret";
    }
}
