package io.chordfs.node.http;

import io.chordfs.node.peer.PercentCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The small pieces: ranges, dates, types, escaping, credentials. */
class HttpBitsTest {
    @Test
    void ranges() {
        assertEquals(new ByteRange(0, 10), ByteRange.parse("bytes=0-9", 100));
        assertEquals(new ByteRange(90, 10), ByteRange.parse("bytes=90-", 100));
        assertEquals(new ByteRange(90, 10), ByteRange.parse("bytes=-10", 100));
        assertEquals(new ByteRange(0, 100), ByteRange.parse("bytes=-1000", 100));
        assertEquals(new ByteRange(50, 50), ByteRange.parse("bytes=50-1000", 100));
        assertEquals("bytes 50-99/100", ByteRange.parse("bytes=50-1000", 100).contentRange(100));
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=100-", 100));
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=-0", 100));
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=0-", 0));
        assertNull(ByteRange.parse("bytes=0-1,5-6", 100), "several ranges: whole object");
        assertNull(ByteRange.parse("bytes=9-1", 100));
        assertNull(ByteRange.parse("items=0-1", 100));
        assertNull(ByteRange.parse("bytes=a-b", 100));
        assertNull(ByteRange.parse("bytes=99999999999999999999-", 100));
    }

    @Test
    void datesAsPythonComparesThem() {
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(784111777_999L));
        assertEquals(OptionalLong.of(784111777), HttpDates.parseEpochSecond("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(OptionalLong.of(784111777), HttpDates.parseEpochSecond("Sunday, 06-Nov-94 08:49:37 GMT"));
        assertEquals(OptionalLong.of(784111777), HttpDates.parseEpochSecond("Sun Nov  6 08:49:37 1994"));
        assertEquals(OptionalLong.of(784111777), HttpDates.parseEpochSecond("Sun, 06 Nov 1994 08:49:37 +0000"));
        assertFalse(HttpDates.parseEpochSecond("Sun, 06 Nov 1994 09:49:37 +0100").isPresent(), "non-UTC: ignored as Python does");
        assertFalse(HttpDates.parseEpochSecond("yesterday").isPresent());
        assertFalse(HttpDates.parseEpochSecond(null).isPresent());
    }

    @Test
    void typesLikePythonGuessType() {
        assertEquals("text/plain", MimeTypes.guess("a.txt"));
        assertEquals("text/plain", MimeTypes.guess("A.TXT"));
        assertEquals("text/html", MimeTypes.guess("index.html"));
        assertEquals("application/json", MimeTypes.guess("x.json"));
        assertEquals("image/png", MimeTypes.guess("p.png"));
        assertEquals("image/jpeg", MimeTypes.guess("p.jpg"));
        assertEquals("application/pdf", MimeTypes.guess("d.pdf"));
        assertEquals("application/zip", MimeTypes.guess("z.zip"));
        assertEquals("application/gzip", MimeTypes.guess("t.tar.gz"));
        assertEquals("application/x-tar", MimeTypes.guess("t.tar"));
        assertEquals("video/mp4", MimeTypes.guess("v.mp4"));
        assertEquals("text/css", MimeTypes.guess("s.css"));
        assertEquals("text/javascript", MimeTypes.guess("s.js"));
        assertEquals("text/csv", MimeTypes.guess("c.csv"));
        assertEquals("application/xml", MimeTypes.guess("c.xml"));
        assertEquals("image/svg+xml", MimeTypes.guess("i.svg"));
        assertEquals("application/octet-stream", MimeTypes.guess("noext"));
        assertEquals("application/octet-stream", MimeTypes.guess(".bashrc"));
        assertEquals("application/octet-stream", MimeTypes.guess("a.unknownext"));
        assertEquals("application/octet-stream", MimeTypes.guess("a_chunk_1"));
    }

    @Test
    void escaping() {
        assertEquals("a%20b%25c%3F%23%C3%BC~_.-", PercentCodec.quote("a b%c?#ü~_.-"));
        assertEquals("a b%c?#ü", PercentCodec.decodePath("a%20b%25c%3F%23%C3%BC"));
        assertEquals("a+b", PercentCodec.decodePath("a+b"));
        assertEquals("😀", PercentCodec.decodePath("%F0%9F%98%80"));
        assertThrows(IllegalArgumentException.class, () -> PercentCodec.decodePath("%zz"));
        assertThrows(IllegalArgumentException.class, () -> PercentCodec.decodePath("abc%2"));
        assertThrows(IllegalArgumentException.class, () -> PercentCodec.decodePath("%FF"));
        assertEquals("&lt;b&gt; &amp; \"q\"", PercentCodec.html("<b> & \"q\""));
    }

    @Test
    void basicAuthLikeUploadserver() {
        BasicAuth a = BasicAuth.of("user:pa:ss");
        assertTrue(a.check(basic("user:pa:ss")).valid(), "split at the first colon");
        assertEquals("Bad password", a.check(basic("user:nope")).message());
        assertEquals("Bad username", a.check(basic("nobody:pa:ss")).message());
        assertEquals("No credentials given", a.check(null).message());
        assertEquals("Credentials incorrectly formatted", a.check("Basic").message());
        assertEquals("Credentials incorrectly formatted", a.check("Bearer abc").message());
        assertEquals("Credentials incorrectly formatted", a.check("Basic !!!").message());
        assertEquals("Credentials incorrectly formatted", a.check(basic("no-colon")).message());
        assertTrue(a.check("bAsIc " + Base64.getEncoder().encodeToString("user:pa:ss".getBytes(StandardCharsets.UTF_8))).valid());
        assertNull(BasicAuth.of(null));
        assertThrows(IllegalArgumentException.class, () -> BasicAuth.of("nocolon"));
    }

    static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }
}
