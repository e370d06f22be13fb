package io.chordfs.node.store;

import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.Ring;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class RangeDigestTest {
    private static ObjectMeta meta(String name, long version) {
        return new ObjectMeta(name, Keys.key(name), 1, "ab", version, false, 0, 1 << 20, List.of(1L));
    }

    @Test
    void bucketsCutTheRangeIntoEqualPartsEvenAcrossZero() {
        long from = Ring.MASK - 99;
        long to = 100;
        assertEquals(from, RangeDigest.bucketStart(from, to, 4, 0));
        assertEquals(Ring.add(from, 50), RangeDigest.bucketStart(from, to, 4, 1));
        assertEquals(0, RangeDigest.bucketOf(Ring.add(from, 1), from, to, 4));
        assertEquals(0, RangeDigest.bucketOf(Ring.add(from, 50), from, to, 4));
        assertEquals(1, RangeDigest.bucketOf(Ring.add(from, 51), from, to, 4));
        assertEquals(3, RangeDigest.bucketOf(to, from, to, 4));
    }

    @Test
    void onlyTheBucketOfAChangedObjectDiffers() {
        List<ObjectMeta> a = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            a.add(meta("n" + i, 1));
        }
        List<ObjectMeta> b = new ArrayList<>(a);
        b.set(7, meta("n7", 2));
        long k = Keys.key("n7");
        List<String> da = RangeDigest.of(a, k, k, 64);
        List<String> db = RangeDigest.of(b, k, k, 64);
        int differing = 0;
        for (int i = 0; i < 64; i++) {
            if (!da.get(i).equals(db.get(i))) {
                differing++;
            }
        }
        assertEquals(1, differing);
        List<ObjectMeta> reversed = new ArrayList<>(a);
        java.util.Collections.reverse(reversed);
        assertEquals(da, RangeDigest.of(reversed, k, k, 64), "order does not matter");
        assertNotEquals(da, RangeDigest.of(a.subList(1, a.size()), k, k, 64), "a missing object shows");
    }
}
