package io.chordfs.node.peer;

import io.chordfs.core.net.HttpPut;
import io.chordfs.core.ring.Ring;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What node-to-node requests carry in headers and query strings, parsed. Bad input is an
 * IllegalArgumentException, which the peer server answers with 400 before it touches the store.
 */
public final class PeerParams {
    public static final int MAX_BUCKETS = 4096;

    private PeerParams() {}

    /** A numeric header ({@code X-ChordFS-Version}, {@code -Modified}), or null when absent. */
    public static Long number(String header, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(header + " must be a number");
        }
    }

    /** {@code X-ChordFS-Sha256}, or null when absent: the value becomes the stored object's checksum, so it must be one. */
    public static String sha256(String value) {
        if (value != null && !HttpPut.isSha256Hex(value)) {
            throw new IllegalArgumentException(PeerHeaders.SHA256 + " must be 64 lower-case hex digits");
        }
        return value;
    }

    /** A prepared write's id: 16 to 64 hex digits. */
    public static String tx(String value) {
        if (value == null || value.length() < 16 || value.length() > 64
                || !value.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f')) {
            throw new IllegalArgumentException("a prepared write's id is 16 to 64 lower-case hex digits");
        }
        return value;
    }

    /** {@code a=1&b=2}: names as sent, values percent-decoded; a pair without '=' is ignored, a later one wins. */
    public static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(pair.substring(0, eq), PercentCodec.decodePath(pair.substring(eq + 1)));
                }
            }
        }
        return q;
    }

    /** The (from, to] of a listing or digest request: two ids, 0 when absent. */
    public static long[] range(Map<String, String> query) {
        long from = id(query, "from");
        long to = id(query, "to");
        return new long[] {from, to};
    }

    /** How many digest buckets (default 64), 1 to {@link #MAX_BUCKETS}. */
    public static int buckets(Map<String, String> query) {
        int buckets;
        try {
            buckets = Integer.parseInt(query.getOrDefault("buckets", "64"));
        } catch (NumberFormatException e) {
            buckets = 0;
        }
        if (buckets < 1 || buckets > MAX_BUCKETS) {
            throw new IllegalArgumentException("buckets must be between 1 and " + MAX_BUCKETS);
        }
        return buckets;
    }

    private static long id(Map<String, String> query, String name) {
        try {
            long id = Long.parseLong(query.getOrDefault(name, "0"));
            if (Ring.isId(id)) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("from and to must be ids in [0, 2^32)");
    }
}
