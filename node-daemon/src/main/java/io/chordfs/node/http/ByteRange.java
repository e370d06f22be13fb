package io.chordfs.node.http;

/**
 * One byte range of a {@code Range: bytes=...} header against an object of a known size.
 * Supported: {@code a-b}, {@code a-}, {@code -n}. A header we do not support (other units, several
 * ranges, bad syntax) is ignored and the whole object is served, as RFC 9110 allows.
 */
record ByteRange(long offset, long length) {
    /** Marker for "the range cannot be satisfied" (416). */
    static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    /** The range asked for, {@link #UNSATISFIABLE}, or null to serve the whole object. */
    static ByteRange parse(String header, long size) {
        if (header == null) {
            return null;
        }
        String h = header.strip();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = h.substring(6).strip();
        if (spec.isEmpty() || spec.indexOf(',') >= 0) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String first = spec.substring(0, dash).strip();
        String last = spec.substring(dash + 1).strip();
        try {
            if (first.isEmpty()) {
                if (last.isEmpty() || !digits(last)) {
                    return null;
                }
                long n = Long.parseLong(last);
                if (n == 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                n = Math.min(n, size);
                return new ByteRange(size - n, n);
            }
            if (!digits(first) || !last.isEmpty() && !digits(last)) {
                return null;
            }
            long a = Long.parseLong(first);
            long b = last.isEmpty() ? Long.MAX_VALUE : Long.parseLong(last);
            if (b < a) {
                return null; // syntactically invalid: ignored
            }
            if (a >= size) {
                return UNSATISFIABLE;
            }
            b = Math.min(b, size - 1);
            return new ByteRange(a, b - a + 1);
        } catch (NumberFormatException e) {
            return null; // beyond a long: ignore
        }
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return !s.isEmpty();
    }

    String contentRange(long size) {
        return "bytes " + offset + "-" + (offset + length - 1) + "/" + size;
    }
}
