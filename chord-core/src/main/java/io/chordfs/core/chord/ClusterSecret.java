package io.chordfs.core.chord;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ring's optional shared secret. Members prove they hold it without sending it: a message
 * between nodes carries a <em>proof</em>, an HMAC-SHA256 (under a key derived from the secret)
 * over what the message says ({@code what}: the method or request, its target and arguments),
 * the sender's time, and a nonce; see docs/operations.md, "Security". The admin's {@code kill(secret)}
 * is the one call that carries the secret itself, as the operator sends it.
 *
 * <p>Replays are refused: a proof's time must be within {@link #WINDOW_MILLIS} of the receiver's,
 * and its nonce, a sender epoch (random per instance) and a sequence number, must not have been
 * seen: the receiver keeps, for each epoch it heard from within the window, the highest sequence
 * and a bitmap of the {@link #REORDER} below it, as IPsec does. Memory is bounded by the senders
 * that hold the secret (a proof that fails its HMAC is never remembered). An answer is proven
 * with {@link #proveReply}, bound to the request's proof, so it cannot be replayed either.
 *
 * <p>The secret is never printed: {@link ChordConfig} is a record, whose toString shows every part.
 */
public final class ClusterSecret {
    /** How far apart two members' clocks may be. */
    public static final long WINDOW_MILLIS = 5 * 60_000;
    /** How many sequence numbers below the highest seen may still arrive (requests overtake each other). */
    static final int REORDER = 1 << 16;
    private static final String VERSION = "v1";
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** No secret: every call is admitted, as the teaching design's nodes do. (After the constants it uses.) */
    public static final ClusterSecret NONE = new ClusterSecret(null);

    private final byte[] utf8;
    private final SecretKeySpec key;
    private final String epoch;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<String, Window> seen = new ConcurrentHashMap<>();

    private ClusterSecret(byte[] utf8) {
        this.utf8 = utf8;
        this.key = utf8 == null ? null : new SecretKeySpec(hmac(new SecretKeySpec(utf8, "HmacSHA256"),
                "chordfs cluster key " + VERSION), "HmacSHA256");
        byte[] e = new byte[8];
        RANDOM.nextBytes(e);
        this.epoch = HEX.formatHex(e);
    }

    /** The secret {@code secret}, or {@link #NONE} for null. */
    public static ClusterSecret of(String secret) {
        return secret == null ? NONE : new ClusterSecret(secret.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether a secret is set: members must then prove they hold it. */
    public boolean isSet() {
        return utf8 != null;
    }

    /** Whether a call that carries {@code given} (null: nothing) may proceed: the admin's {@code kill}. */
    public boolean admits(byte[] given) {
        // The configured bytes come first: isEqual's time then depends on their length only.
        return utf8 == null || given != null && MessageDigest.isEqual(utf8, given);
    }

    public boolean admits(String given) {
        return admits(given == null ? null : given.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A proof that the sender holds the secret, for a message that says {@code what}, sent at
     * {@code nowMillis}; null without a secret. Each proof has a nonce of its own.
     */
    public String prove(String what, long nowMillis) {
        if (key == null) {
            return null;
        }
        String head = VERSION + "." + nowMillis + "." + epoch + "." + sequence.incrementAndGet();
        return head + "." + mac(head + "\n" + what);
    }

    /**
     * Whether {@code proof} proves the secret for {@code what}, was made within the window of
     * {@code nowMillis}, and has not been seen before (it is remembered from now on). True without
     * a secret; false for null.
     */
    public boolean verify(String what, String proof, long nowMillis) {
        return problem(what, proof, nowMillis) == null;
    }

    /**
     * As {@link #verify}, saying what is wrong with the proof (for the log: a node whose clock is
     * off shows as such), or null when it holds.
     */
    public String problem(String what, String proof, long nowMillis) {
        if (key == null) {
            return null;
        }
        if (proof == null) {
            return "it carries no proof of the cluster secret";
        }
        String[] p = proof.split("\\.", -1);
        long at;
        long seq;
        try {
            if (p.length != 5 || !p[0].equals(VERSION) || p[2].length() != 16) {
                throw new NumberFormatException();
            }
            at = Long.parseLong(p[1]);
            seq = Long.parseLong(p[3]);
        } catch (NumberFormatException e) {
            return "its proof of the cluster secret is malformed";
        }
        String head = p[0] + "." + p[1] + "." + p[2] + "." + p[3];
        if (seq < 1 || !MessageDigest.isEqual(mac(head + "\n" + what).getBytes(StandardCharsets.US_ASCII),
                p[4].getBytes(StandardCharsets.US_ASCII))) {
            return "its proof does not hold: another secret, or not a proof for this message";
        }
        if (Math.abs(nowMillis - at) > WINDOW_MILLIS) {
            return "its proof was made " + (nowMillis - at) / 1000 + " s from our time, beyond the "
                    + WINDOW_MILLIS / 1000 + " s members' clocks may differ (a replay, or a clock that is off)";
        }
        forgetOld(nowMillis);
        return seen.computeIfAbsent(p[2], e -> new Window()).accept(seq, nowMillis) ? null
                : "its proof was seen before (a replay)";
    }

    /** A proof for the answer {@code what} to the request that carried {@code requestProof}; null without a secret. */
    public String proveReply(String requestProof, String what) {
        return key == null || requestProof == null ? null : mac("reply\n" + requestProof + "\n" + what);
    }

    /** Whether {@code proof} proves the answer {@code what} to the request that carried {@code requestProof}. */
    public boolean verifyReply(String requestProof, String what, String proof) {
        if (key == null) {
            return true;
        }
        return proof != null && requestProof != null && MessageDigest.isEqual(
                mac("reply\n" + requestProof + "\n" + what).getBytes(StandardCharsets.US_ASCII),
                proof.getBytes(StandardCharsets.US_ASCII));
    }

    /** Sender epochs not heard from for twice the window can send nothing that would pass. */
    private void forgetOld(long nowMillis) {
        if (seen.size() < 64) {
            return;
        }
        for (Iterator<Window> it = seen.values().iterator(); it.hasNext(); ) {
            if (nowMillis - it.next().lastHeard > 2 * WINDOW_MILLIS) {
                it.remove();
            }
        }
    }

    /** One sender epoch's sequence numbers: the highest seen and which of the {@link #REORDER} below it were. */
    private static final class Window {
        private final long[] bits = new long[REORDER / 64];
        private long highest;
        private long lastHeard;

        synchronized boolean accept(long seq, long now) {
            lastHeard = now;
            if (seq > highest) {
                if (seq - highest >= REORDER) {
                    Arrays.fill(bits, 0);
                } else {
                    for (long s = highest + 1; s < seq; s++) {
                        clear(s);
                    }
                }
                highest = seq;
                set(seq);
                return true;
            }
            if (highest - seq >= REORDER || isSet(seq)) {
                return false;
            }
            set(seq);
            return true;
        }

        private static int index(long seq) {
            return (int) (seq % REORDER);
        }

        private void set(long seq) {
            bits[index(seq) >>> 6] |= 1L << (index(seq) & 63);
        }

        private void clear(long seq) {
            bits[index(seq) >>> 6] &= ~(1L << (index(seq) & 63));
        }

        private boolean isSet(long seq) {
            return (bits[index(seq) >>> 6] & (1L << (index(seq) & 63))) != 0;
        }
    }

    private String mac(String text) {
        return HEX.formatHex(hmac(key, text));
    }

    private static byte[] hmac(SecretKeySpec k, String text) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(k);
            return m.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has HmacSHA256", e);
        }
    }

    @Override
    public String toString() {
        return utf8 == null ? "no cluster secret" : "a cluster secret";
    }
}
