package io.chordfs.core.chord;

import java.util.Objects;

/**
 * Protocol parameters.
 *
 * @param successorListLength r, the length of the successor list (default 5)
 * @param replicationFactor   R; the successor list is never shorter than this
 * @param stabilizeMillis     period of stabilize and check_predecessor
 * @param fixFingersMillis    period of fix_fingers
 * @param fingerLookupsPerRound how many finger lookups one fix_fingers round may send
 * @param clusterSecret       what {@code kill} must carry as its argument ({@link ClusterSecret#NONE}: nothing)
 */
public record ChordConfig(int successorListLength, int replicationFactor, long stabilizeMillis,
                          long fixFingersMillis, int fingerLookupsPerRound, ClusterSecret clusterSecret) {
    public static final int DEFAULT_SUCCESSORS = 5;
    public static final int DEFAULT_REPLICAS = 3;

    public ChordConfig {
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor must be at least 1");
        }
        if (successorListLength < replicationFactor) {
            throw new IllegalArgumentException("successor list (" + successorListLength
                    + ") must not be shorter than the replication factor (" + replicationFactor + ")");
        }
        if (stabilizeMillis <= 0 || fixFingersMillis <= 0 || fingerLookupsPerRound <= 0) {
            throw new IllegalArgumentException("periods and lookups per round must be positive");
        }
        Objects.requireNonNull(clusterSecret, "clusterSecret");
    }

    public static ChordConfig defaults() {
        return new ChordConfig(DEFAULT_SUCCESSORS, DEFAULT_REPLICAS, 500, 500, 2, ClusterSecret.NONE);
    }

    public ChordConfig withPeriods(long stabilize, long fixFingers) {
        return new ChordConfig(successorListLength, replicationFactor, stabilize, fixFingers, fingerLookupsPerRound, clusterSecret);
    }

    public ChordConfig withReplication(int successors, int replicas) {
        return new ChordConfig(successors, replicas, stabilizeMillis, fixFingersMillis, fingerLookupsPerRound, clusterSecret);
    }

    public ChordConfig withClusterSecret(ClusterSecret secret) {
        return new ChordConfig(successorListLength, replicationFactor, stabilizeMillis, fixFingersMillis, fingerLookupsPerRound,
                secret);
    }
}
