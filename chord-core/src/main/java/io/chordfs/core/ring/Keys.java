package io.chordfs.core.ring;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Placement keys: the low 32 bits of MD5 over the UTF-8 bytes of a name, as the teaching design computes them. */
public final class Keys {
    /** One digest per thread: looking MD5 up in the providers costs more than hashing a name. */
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has MD5", e);
        }
    });

    private Keys() {}

    /** {@code int(hashlib.md5(name.encode()).hexdigest(), 16) & 0xffffffff}, in [0, 2^32). */
    public static long key(String name) {
        byte[] d = MD5.get().digest(name.getBytes(StandardCharsets.UTF_8));
        // The low 32 bits of the 128-bit big-endian number are its last four bytes.
        return ((d[12] & 0xffL) << 24) | ((d[13] & 0xffL) << 16) | ((d[14] & 0xffL) << 8) | (d[15] & 0xffL);
    }

    /** The default node id: the key of "ip:port". */
    public static long nodeId(String ip, int port) {
        return key(ip + ":" + port);
    }
}
