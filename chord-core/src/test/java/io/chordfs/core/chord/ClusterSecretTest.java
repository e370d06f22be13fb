package io.chordfs.core.chord;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterSecretTest {
    private static final long NOW = 1_800_000_000_000L;

    @Test
    void aProofPassesOnceForWhatItSaysAndNeverShowsTheSecret() {
        ClusterSecret a = ClusterSecret.of("s3cret-value");
        ClusterSecret b = ClusterSecret.of("s3cret-value");
        String p = a.prove("notify 5 to 9", NOW);
        assertFalse(p.contains("s3cret"), p);
        assertTrue(b.verify("notify 5 to 9", p, NOW + 1000));
        assertFalse(b.verify("notify 5 to 9", p, NOW + 1000), "a nonce already seen is refused");
        assertFalse(b.verify("notify 6 to 9", a.prove("notify 5 to 9", NOW), NOW), "another message");
        assertFalse(ClusterSecret.of("other").verify("x", a.prove("x", NOW), NOW), "another secret");
        assertFalse(b.verify("x", null, NOW));
        assertFalse(b.verify("x", "v1.1.2.3.4", NOW));
        assertFalse(b.verify("x", "garbage", NOW));
    }

    @Test
    void aProofOutsideTheWindowIsRefused() {
        ClusterSecret a = ClusterSecret.of("k");
        ClusterSecret b = ClusterSecret.of("k");
        assertFalse(b.verify("x", a.prove("x", NOW), NOW + ClusterSecret.WINDOW_MILLIS + 1), "replayed after the window");
        assertFalse(b.verify("x", a.prove("x", NOW + ClusterSecret.WINDOW_MILLIS + 1), NOW), "from too far ahead");
        assertTrue(b.verify("x", a.prove("x", NOW - ClusterSecret.WINDOW_MILLIS + 1), NOW), "an old but fresh proof");
    }

    @Test
    void proofsMayArriveOutOfOrderButEachOnlyOnce() {
        ClusterSecret a = ClusterSecret.of("k");
        ClusterSecret b = ClusterSecret.of("k");
        List<String> proofs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            proofs.add(a.prove("m", NOW));
        }
        for (int i = proofs.size() - 1; i >= 0; i--) {
            assertTrue(b.verify("m", proofs.get(i), NOW), "proof " + i);
        }
        for (String p : proofs) {
            assertFalse(b.verify("m", p, NOW));
        }
        String old = a.prove("m", NOW);
        for (int i = 0; i < ClusterSecret.REORDER; i++) {
            a.prove("m", NOW);
        }
        assertTrue(b.verify("m", a.prove("m", NOW), NOW));
        assertFalse(b.verify("m", old, NOW), "too far behind the newest to tell whether it was seen");
    }

    @Test
    void answersAreBoundToTheirRequest() {
        ClusterSecret a = ClusterSecret.of("k");
        ClusterSecret b = ClusterSecret.of("k");
        String request = a.prove("list", NOW);
        String reply = b.proveReply(request, "[n1,n2]");
        assertTrue(a.verifyReply(request, "[n1,n2]", reply));
        assertFalse(a.verifyReply(request, "[n1,n3]", reply), "another answer");
        assertFalse(a.verifyReply(a.prove("list", NOW), "[n1,n2]", reply), "an answer to another request");
        assertFalse(a.verifyReply(request, "[n1,n2]", ClusterSecret.of("x").proveReply(request, "[n1,n2]")));
    }

    @Test
    void withoutASecretEverythingPassesAndNothingIsProven() {
        assertNull(ClusterSecret.NONE.prove("x", NOW));
        assertTrue(ClusterSecret.NONE.verify("x", null, NOW));
        assertTrue(ClusterSecret.NONE.verifyReply(null, "x", null));
    }
}
