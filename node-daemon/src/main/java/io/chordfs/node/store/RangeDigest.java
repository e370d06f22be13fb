package io.chordfs.node.store;

import io.chordfs.core.ring.Ring;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Bucketed digests of a key range, for anti-entropy: the range (from, to] is cut into equal
 * buckets, and each bucket's digest is the SHA-256 of the sorted (name, version, checksum,
 * tombstone) of its objects. Two replicas compare digests and list only the buckets that differ.
 */
public final class RangeDigest {
    private RangeDigest() {}

    /** The exclusive lower bound of bucket {@code i}; bucket i is (start(i), start(i + 1)]. */
    public static long bucketStart(long from, long to, int buckets, int i) {
        long span = from == to ? Ring.SIZE : Ring.distance(from, to);
        return Ring.add(from, span / buckets * i + Math.min(i, span % buckets));
    }

    /** The bucket of {@code key}, which must lie in (from, to]. */
    static int bucketOf(long key, long from, long to, int buckets) {
        int lo = 0;
        int hi = buckets - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (Ring.distance(from, key) > Ring.distance(from, bucketStart(from, to, buckets, mid))) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** One hex digest per bucket of (from, to], over the given objects (others are ignored). */
    public static List<String> of(List<ObjectMeta> objects, long from, long to, int buckets) {
        List<List<ObjectMeta>> byBucket = new ArrayList<>(buckets);
        for (int i = 0; i < buckets; i++) {
            byBucket.add(new ArrayList<>());
        }
        for (ObjectMeta m : objects) {
            if (Ring.inOpenClosed(m.key(), from, to)) {
                byBucket.get(bucketOf(m.key(), from, to, buckets)).add(m);
            }
        }
        List<String> out = new ArrayList<>(buckets);
        for (List<ObjectMeta> bucket : byBucket) {
            bucket.sort(Comparator.comparing(ObjectMeta::name));
            MessageDigest sha = Sha256.digest();
            for (ObjectMeta m : bucket) {
                sha.update((m.name() + '\0' + m.version() + '\0' + m.sha256() + '\0' + m.tombstone() + '\n')
                        .getBytes(StandardCharsets.UTF_8));
            }
            out.add(Sha256.hex(sha.digest()));
        }
        return out;
    }
}
