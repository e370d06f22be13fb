package io.chordfs.node.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chordfs.node.peer.PercentCodec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the file server makes of a request's path and headers once the HTTP codec has split them:
 * the path's object name, Range, If-None-Match / If-Modified-Since / If-Range, Authorization and
 * the multipart boundary of Content-Type. Each may only parse into something that holds the
 * documented rules, or be rejected as documented (IllegalArgumentException for a name, "ignore"
 * or "refuse" for the headers); nothing may throw otherwise.
 *
 * <p>Input: the first byte picks the part (any byte picks one), the rest is text as the codec hands
 * it over (one char per byte, ISO-8859-1), split on '\n' into the part's fields: '0' the raw path
 * segment; '1' object size, Range, a number n; '2' modification time (ms), If-None-Match,
 * If-Modified-Since, If-Range; '3' the configured credentials, Authorization; '4' Content-Type,
 * a boundary a client might choose. Seeds run in mvn test; JAZZER_FUZZ=1 fuzzes.
 */
class HttpHeadersFuzzTest {
    private static final String ETAG = "\"" + "ab".repeat(32) + "\"";
    /** The end of year 9999: HTTP dates have four-digit years. */
    private static final long MAX_MILLIS = 253_402_300_799_999L;
    /** RFC 2046's bchars: what a client may use in a boundary (a space, but not last). */
    private static final String BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";

    @FuzzTest(maxDuration = "30s")
    void pathAndHeadersParseIntoValidValuesOrAreRejected(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        String[] f = new String(input, 1, input.length - 1, StandardCharsets.ISO_8859_1).split("\n", -1);
        switch (Math.floorMod(input[0] - '0', 5)) {
            case 0 -> name(f[0]);
            case 1 -> range(number(f[0]), field(f, 1), number(f.length > 2 ? f[2] : ""));
            case 2 -> conditions(Math.min(MAX_MILLIS, number(f[0])), field(f, 1), field(f, 2), field(f, 3));
            case 3 -> auth(f[0], field(f, 1));
            default -> contentType(f[0], field(f, 1));
        }
    }

    /**
     * DESIGN.md's names (a path since issue 17): at most 1,024 UTF-8 bytes, components separated by
     * '/', each 1 to 255 bytes, not ".", ".." or ".chordfs", no '\\', no NUL or control characters,
     * and nothing that can spoof a listing (bidirectional controls, zero-width characters).
     */
    private static void name(String rawSegment) {
        String name;
        try {
            name = PercentCodec.decodeName(rawSegment);
        } catch (IllegalArgumentException rejected) {
            return; // 400
        }
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        assertTrue(utf8.length >= 1 && utf8.length <= 1024, () -> "accepted a name of " + utf8.length + " bytes");
        assertEquals(name, new String(utf8, StandardCharsets.UTF_8), "accepted a name that is not valid UTF-8");
        for (String component : name.split("/", -1)) {
            int bytes = component.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes >= 1 && bytes <= 255, () -> "accepted a component of " + bytes + " bytes in " + name);
            assertFalse(component.equals(".") || component.equals("..") || component.equals(".chordfs"),
                    "accepted " + name);
        }
        name.codePoints().forEach(c -> assertTrue(c != '\\' && !Character.isISOControl(c) && !spoofs(c),
                () -> "accepted a name with U+" + Integer.toHexString(c) + ": " + Arrays.toString(utf8)));
        assertEquals(name, PercentCodec.decodeName(PercentCodec.quote(name)), "the listing's link does not lead back");
    }

    /** Written out here rather than taken from NameRules, so a change there cannot pass unnoticed. */
    private static boolean spoofs(int c) {
        return c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069 || c >= 0x200B && c <= 0x200D || c == 0xFEFF;
    }

    private static void range(long size, String header, long n) {
        ByteRange r = ByteRange.parse(header, size);
        if (r != null && r != ByteRange.UNSATISFIABLE) {
            assertTrue(r.offset() >= 0 && r.length() >= 1 && r.offset() <= size - r.length(),
                    () -> header + " on " + size + " bytes gave " + r);
        }
        // The plain forms mean what RFC 9110 says, whatever the numbers.
        assertEquals(n < size ? new ByteRange(n, size - n) : ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=" + n + "-", size));
        long last = Math.min(n, size);
        assertEquals(last == 0 ? ByteRange.UNSATISFIABLE : new ByteRange(size - last, last),
                ByteRange.parse("bytes=-" + n, size));
    }

    private static void conditions(long modified, String ifNoneMatch, String ifModifiedSince, String ifRange) {
        boolean notModified = Conditions.notModified(ifNoneMatch, ifModifiedSince, ETAG, modified);
        if (ifNoneMatch != null) {
            assertEquals(notModified, Conditions.notModified(ifNoneMatch, null, ETAG, modified),
                    "If-Modified-Since counted although If-None-Match was there");
        }
        String withOurs = ifNoneMatch == null ? ETAG : ifNoneMatch + ", W/" + ETAG;
        assertTrue(Conditions.notModified(withOurs, ifModifiedSince, ETAG, modified), withOurs);

        String lastModified = HttpDates.format(modified);
        assertEquals(OptionalLong.of(Math.floorDiv(modified, 1000)), HttpDates.parseEpochSecond(lastModified), lastModified);
        assertTrue(Conditions.notModified(null, lastModified, ETAG, modified), "its own Last-Modified is not a 304");
        assertFalse(Conditions.notModified(null, HttpDates.format(modified - 1000), ETAG, modified), "a second older is a 304");

        boolean validatorMatches = ifRange == null || ifRange.strip().equals(ETAG) || ifRange.strip().equals(lastModified);
        assertEquals(validatorMatches, Conditions.range("bytes=0-0", ifRange, ETAG, lastModified, 10) != null,
                "If-Range " + ifRange);
    }

    private static void auth(String configured, String authorization) {
        String user = configured.replace(":", "");
        BasicAuth auth = BasicAuth.of(user + ":" + configured);
        assertTrue(auth.check(HttpBitsTest.basic(user + ":" + configured)).valid(), "the right credentials were refused");
        assertFalse(auth.check(HttpBitsTest.basic(user + "x:" + configured)).valid());
        assertFalse(auth.check(HttpBitsTest.basic(user + ":" + configured + "x")).valid());
        if (auth.check(authorization).valid()) {
            // Accepted only when what follows the scheme decodes to exactly these credentials.
            byte[] given = Base64.getDecoder().decode(authorization.substring(authorization.indexOf(' ') + 1));
            assertArrayEquals((user + ":" + configured).getBytes(StandardCharsets.UTF_8), given, authorization);
        }
    }

    private static void contentType(String header, String boundary) throws Exception {
        HeaderParams ct = HeaderParams.parse(header);
        assertNotNull(ct.value());
        String b = ct.param("boundary");
        if (MultipartParser.validBoundary(b)) {
            // Any boundary we accept works: an empty form with it is just its close delimiter.
            byte[] empty = ("--" + b + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
            MultipartParserTest.Collector parts = new MultipartParserTest.Collector();
            MultipartParser p = new MultipartParser(b, 1024, 4096, parts);
            p.feed(empty, 0, empty.length);
            p.finish();
            assertTrue(p.done() && parts.parts.isEmpty(), b);
        }
        // Every boundary RFC 2046 lets a client choose comes back exactly, quoted or bare.
        if (boundary != null && !boundary.isEmpty() && boundary.length() <= 70 && !boundary.endsWith(" ")
                && boundary.chars().allMatch(c -> BCHARS.indexOf(c) >= 0)) {
            assertEquals(boundary, HeaderParams.parse("multipart/form-data; boundary=\"" + boundary + "\"").param("boundary"));
            if (boundary.indexOf(' ') < 0) {
                assertEquals(boundary, HeaderParams.parse("multipart/form-data; boundary=" + boundary).param("boundary"));
            }
            assertTrue(MultipartParser.validBoundary(boundary), boundary);
        }
    }

    private static String field(String[] fields, int i) {
        return i < fields.length ? fields[i] : null;
    }

    /** A field as a non-negative number; text that is not one counts as its length, so every input means something. */
    private static long number(String field) {
        try {
            return Math.max(0, Long.parseLong(field.strip()));
        } catch (NumberFormatException e) {
            return field.length();
        }
    }
}
