package io.chordfs.node.peer;

import io.chordfs.node.store.Names;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Percent-decoding of request paths and percent-encoding of listing links (urllib.parse.quote). */
public final class PercentCodec {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PercentCodec() {}

    /**
     * Decodes %XX escapes as UTF-8 ('+' stays '+', as in a path). Throws IllegalArgumentException
     * on a broken escape or bytes that are not UTF-8.
     */
    public static String decodePath(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new IllegalArgumentException("broken percent-escape in the path");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("broken percent-escape in the path");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < raw.length()) {
                    b = raw.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.writeBytes(b);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the path is not UTF-8 after percent-decoding");
        }
    }

    /**
     * The object name in a request path segment (the path after its first '/'): percent-decoded,
     * then held to the name rules ({@link Names#check}). Throws IllegalArgumentException, which
     * the servers answer with 400.
     */
    public static String decodeName(String rawSegment) {
        return Names.check(decodePath(rawSegment));
    }

    /**
     * As {@link #decodeName}, also accepting the name of a chunk object ({@link Names#checkObject}):
     * what nodes send each other.
     */
    public static String decodeObjectName(String rawSegment) {
        String name = decodePath(rawSegment);
        Names.checkObject(name);
        return name;
    }

    /** urllib.parse.quote(name): UTF-8, every byte but A-Z a-z 0-9 _ . - ~ / escaped. */
    public static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '_' || c == '.' || c == '-' || c == '~' || c == '/') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
            }
        }
        return out.toString();
    }

    /** html.escape(s, quote=False). */
    public static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
