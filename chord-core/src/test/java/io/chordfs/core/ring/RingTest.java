package io.chordfs.core.ring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingTest {
    private static final long MAX = Ring.MASK;

    @Test
    void openIntervalWithoutWrap() {
        assertTrue(Ring.inOpen(5, 1, 10));
        assertFalse(Ring.inOpen(1, 1, 10));
        assertFalse(Ring.inOpen(10, 1, 10));
        assertFalse(Ring.inOpen(11, 1, 10));
    }

    @Test
    void openIntervalWrapsAroundZero() {
        assertTrue(Ring.inOpen(0, MAX - 5, 5));
        assertTrue(Ring.inOpen(MAX, MAX - 5, 5));
        assertTrue(Ring.inOpen(4, MAX - 5, 5));
        assertFalse(Ring.inOpen(5, MAX - 5, 5));
        assertFalse(Ring.inOpen(100, MAX - 5, 5));
    }

    @Test
    void degenerateIntervalsCoverTheCircle() {
        assertTrue(Ring.inOpen(7, 3, 3));
        assertFalse(Ring.inOpen(3, 3, 3));
        assertTrue(Ring.inOpenClosed(3, 3, 3));
        assertTrue(Ring.inOpenClosed(0, 3, 3));
    }

    @Test
    void halfOpenIncludesTheEnd() {
        assertTrue(Ring.inOpenClosed(10, 1, 10));
        assertFalse(Ring.inOpenClosed(1, 1, 10));
        assertTrue(Ring.inOpenClosed(5, MAX - 1, 5));
        assertTrue(Ring.inOpenClosed(0, MAX, 0));
    }

    @Test
    void arithmeticWraps() {
        assertEquals(0, Ring.add(MAX, 1));
        assertEquals(1, Ring.distance(MAX, 0));
        assertEquals(MAX, Ring.distance(1, 0));
        assertEquals(Ring.add(7, 1L << 31), Ring.fingerStart(7, 31));
        assertEquals(0, Ring.fingerStart(MAX, 0));
    }

    @Test
    void nodeRefRejectsOutOfRangeValues() {
        assertThrows(IllegalArgumentException.class, () -> new NodeRef("h", 1, -1));
        assertThrows(IllegalArgumentException.class, () -> new NodeRef("h", 1, 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> new NodeRef("h", 70000, 1));
        assertTrue(NodeRef.NONE.isNone());
    }
}
