package io.chordfs.core.ring;

/** Arithmetic on the identifier circle [0, 2^32) with wrap-around intervals. */
public final class Ring {
    public static final int BITS = 32;
    public static final long SIZE = 1L << BITS;
    public static final long MASK = SIZE - 1;

    private Ring() {}

    public static boolean isId(long id) {
        return id >= 0 && id <= MASK;
    }

    /** (a + b) mod 2^32. */
    public static long add(long a, long b) {
        return (a + b) & MASK;
    }

    /** Clockwise distance from a to b, in [0, 2^32). */
    public static long distance(long from, long to) {
        return (to - from) & MASK;
    }

    /** x in the open interval (a, b); when a == b the interval is the whole circle but a. */
    public static boolean inOpen(long x, long a, long b) {
        if (a == b) {
            return x != a;
        }
        long dx = distance(a, x);
        return dx > 0 && dx < distance(a, b);
    }

    /** x in the half-open interval (a, b]; when a == b the interval is the whole circle. */
    public static boolean inOpenClosed(long x, long a, long b) {
        if (a == b) {
            return true;
        }
        long dx = distance(a, x);
        return dx > 0 && dx <= distance(a, b);
    }

    /** The start of finger i (0-based): id + 2^i. */
    public static long fingerStart(long id, int i) {
        return add(id, 1L << i);
    }
}
