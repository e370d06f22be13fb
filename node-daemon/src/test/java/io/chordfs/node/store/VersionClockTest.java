package io.chordfs.node.store;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionClockTest {
    private static final Clock FIXED = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void versionsIncreaseOnAStoppedWallClockAndPassWhatIsObserved() {
        VersionClock c = new VersionClock(FIXED);
        long a = c.next();
        long b = c.next();
        assertTrue(b > a, "strictly increasing while the wall clock stands still");
        long ahead = (FIXED.millis() + 3_600_000) << 16;
        c.observe(ahead);
        assertTrue(c.next() > ahead, "a version a replica holds is passed, however far ahead");
    }

    @Test
    void aPeersClockIsBelievedUpToADayAhead() {
        VersionClock slow = new VersionClock(Clock.offset(FIXED, Duration.ofHours(-1)));
        VersionClock right = new VersionClock(FIXED);
        assertTrue(slow.observePeer(right.now()), "an hour ahead is taken");
        assertTrue(slow.next() > right.now(), "after a message from the right clock, the slow node orders after it");
        long tooFar = (FIXED.millis() + 2 * VersionClock.MAX_PEER_LEAD_MS) << 16;
        long before = slow.now();
        assertFalse(slow.observePeer(tooFar));
        assertFalse(slow.observePeer(-5));
        assertEquals(before, slow.now(), "a bogus reading does not move the clock");
    }
}
