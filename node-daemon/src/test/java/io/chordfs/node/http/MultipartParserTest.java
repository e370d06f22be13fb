package io.chordfs.node.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultipartParserTest {
    static final String B = "----chordfsBoundary7MA4YWxk";

    record Parsed(String name, String filename, byte[] body) {}

    /** Collects what a parser finds: each part with its whole body. */
    static final class Collector implements MultipartParser.Listener {
        final List<Parsed> parts = new ArrayList<>();
        private ByteArrayOutputStream body;
        private MultipartParser.Part current;

        @Override
        public void part(MultipartParser.Part part) {
            assertNull(current, "a part starts before the previous one ended");
            current = part;
            body = new ByteArrayOutputStream();
        }

        @Override
        public void data(MultipartParser.Part part, byte[] b, int off, int len) {
            assertTrue(part == current, "data for the current part");
            body.write(b, off, len);
        }

        @Override
        public void end(MultipartParser.Part part) {
            assertTrue(part == current, "the current part ends");
            parts.add(new Parsed(part.name(), part.filename(), body.toByteArray()));
            current = null;
        }
    }

    /** Feeds everything {@code in} gives, as its reads deliver it, into {@code p}, then finishes it. */
    static void feedAll(MultipartParser p, InputStream in) throws IOException {
        byte[] b = new byte[8192];
        for (int n; !p.done() && (n = in.read(b)) >= 0; ) {
            p.feed(b, 0, n);
        }
        p.finish();
    }

    static List<Parsed> parseAll(InputStream in, String boundary, int maxHeader, int buffer) throws IOException {
        Collector c = new Collector();
        feedAll(new MultipartParser(boundary, maxHeader, buffer, c), in);
        return c.parts;
    }

    /** Delivers one byte per read call. */
    static InputStream trickle(byte[] data) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(1, len));
            }
        };
    }

    @Test
    void partsWithNamesFilenamesAndBodies() throws IOException {
        byte[] body = Multipart.builder(B)
                .field("note", "hello")
                .file("files", "a.txt", "alpha".getBytes(StandardCharsets.UTF_8))
                .file("files", "b.bin", new byte[0])
                .build();
        List<Parsed> parts = parseAll(new ByteArrayInputStream(body), B, 1024, 4096);
        assertEquals(3, parts.size());
        assertEquals("note", parts.get(0).name());
        assertNull(parts.get(0).filename());
        assertEquals("hello", new String(parts.get(0).body(), StandardCharsets.UTF_8));
        assertEquals("files", parts.get(1).name());
        assertEquals("a.txt", parts.get(1).filename());
        assertEquals("alpha", new String(parts.get(1).body(), StandardCharsets.UTF_8));
        assertEquals("b.bin", parts.get(2).filename());
        assertEquals(0, parts.get(2).body().length);
    }

    @Test
    void preambleEpilogueAndTransportPaddingAreAccepted() throws IOException {
        String s = "this is a preamble\r\n--" + B + "  \t\r\n"
                + "Content-Disposition: form-data; name=\"files\"; filename=\"x\"\r\n\r\n"
                + "data\r\n--" + B + "--\r\nepilogue, ignored";
        List<Parsed> parts = parseAll(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), B, 1024, 4096);
        assertEquals(1, parts.size());
        assertEquals("data", new String(parts.get(0).body(), StandardCharsets.UTF_8));
    }

    @Test
    void boundaryLookalikesInsideDataAreData() throws IOException {
        // Every near miss of the delimiter "\r\n--" + B: prefixes, the full delimiter followed by
        // other characters (cgi treats that line as data too), CR/LF runs, "--" runs.
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        for (int i = 0; i <= B.length(); i++) {
            d.writeBytes(("\r\n--" + B.substring(0, i) + "x").getBytes(StandardCharsets.ISO_8859_1));
        }
        d.writeBytes(("\r\n--" + B + "X\r\n").getBytes(StandardCharsets.ISO_8859_1));
        d.writeBytes(("\r\n--" + B + "-x").getBytes(StandardCharsets.ISO_8859_1));
        d.writeBytes(("\r\r\n\n--\r\n-" + B).getBytes(StandardCharsets.ISO_8859_1));
        d.writeBytes(("--" + B + "\r\n").getBytes(StandardCharsets.ISO_8859_1)); // no CR LF before it: data
        d.writeBytes("\r\n--".getBytes(StandardCharsets.ISO_8859_1)); // data ends with a delimiter prefix
        byte[] data = d.toByteArray();
        byte[] body = Multipart.builder(B).file("files", "tricky.bin", data).file("files", "next", new byte[] {1}).build();
        for (int buffer : new int[] {1, 200, 4096}) {
            List<Parsed> parts = parseAll(new ByteArrayInputStream(body), B, 1024, buffer);
            assertEquals(2, parts.size());
            assertArrayEquals(data, parts.get(0).body(), "buffer " + buffer);
            assertArrayEquals(new byte[] {1}, parts.get(1).body());
        }
        List<Parsed> trickled = parseAll(trickle(body), B, 1024, 1);
        assertArrayEquals(data, trickled.get(0).body());
    }

    @Test
    void randomBodiesSurviveAnyChunkingOneByteAtATimeIncluded() throws IOException {
        Random rnd = new Random(42);
        byte[] alphabet = ("\r\n-" + B).getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 40; round++) {
            Multipart.Builder mb = Multipart.builder(B);
            List<byte[]> datas = new ArrayList<>();
            int n = 1 + rnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                byte[] data = new byte[rnd.nextInt(3000)];
                for (int j = 0; j < data.length; j++) {
                    // mostly bytes of the delimiter itself, to provoke partial matches everywhere
                    data[j] = rnd.nextInt(4) == 0 ? (byte) rnd.nextInt(256) : alphabet[rnd.nextInt(alphabet.length)];
                }
                datas.add(data);
                mb.file("files", "f" + i, data);
            }
            byte[] body = mb.build();
            InputStream in = round % 2 == 0 ? trickle(body) : chunked(body, rnd);
            List<Parsed> parts = parseAll(in, B, 1024, 1 + rnd.nextInt(512));
            assertEquals(n, parts.size());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(datas.get(i), parts.get(i).body(), "round " + round + " part " + i);
            }
        }
    }

    static InputStream chunked(byte[] data, Random rnd) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1 + rnd.nextInt(100)));
            }
        };
    }

    @Test
    void missingClosingBoundaryIsMalformed() {
        String s = "--" + B + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x\"\r\n\r\ndata";
        assertThrows(MultipartParser.MalformedException.class,
                () -> parseAll(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), B, 1024, 4096));
        // ends right after a delimiter that is neither "--" nor a line end
        String t = "--" + B + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--" + B;
        assertThrows(MultipartParser.MalformedException.class,
                () -> parseAll(new ByteArrayInputStream(t.getBytes(StandardCharsets.UTF_8)), B, 1024, 4096));
    }

    @Test
    void truncatedHeadersAndNoBoundaryAreMalformed() {
        String s = "--" + B + "\r\nContent-Disposition: form-data; na";
        assertThrows(MultipartParser.MalformedException.class,
                () -> parseAll(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), B, 1024, 4096));
        MultipartParser.MalformedException e = assertThrows(MultipartParser.MalformedException.class,
                () -> parseAll(new ByteArrayInputStream("just text".getBytes(StandardCharsets.UTF_8)), B, 1024, 4096));
        assertTrue(e.getMessage().contains("no multipart boundary"), e.getMessage());
        String noColon = "--" + B + "\r\nthis is no header\r\n\r\nx\r\n--" + B + "--";
        assertThrows(MultipartParser.MalformedException.class,
                () -> parseAll(new ByteArrayInputStream(noColon.getBytes(StandardCharsets.UTF_8)), B, 1024, 4096));
    }

    @Test
    void hugePartHeadersAreRejectedWithoutReadingThemWhole() {
        String big = "X-Filler: " + "a".repeat(10_000) + "\r\n";
        String s = "--" + B + "\r\n" + big + "Content-Disposition: form-data; name=\"files\"; filename=\"x\"\r\n\r\n"
                + "d\r\n--" + B + "--\r\n";
        assertThrows(MultipartParser.HeadersTooLargeException.class,
                () -> parseAll(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), B, 8192, 4096));
        // an endless header line is cut off at the limit, not read to the end
        InputStream endless = new InputStream() {
            private final byte[] head = ("--" + B + "\r\nX-Endless: ").getBytes(StandardCharsets.UTF_8);
            private long pos;

            @Override
            public int read() {
                return pos < head.length ? head[(int) pos++] : (pos++ < (1L << 40) ? 'a' : -1);
            }
        };
        assertThrows(MultipartParser.HeadersTooLargeException.class, () -> parseAll(endless, B, 8192, 4096));
    }

    @Test
    void quotedFilenamesFollowCgiParseHeader() throws IOException {
        String s = "--" + B + "\r\n"
                + "Content-Disposition: form-data; name=\"files\"; filename=\"my \\\"best\\\" file; v2 ü€😀.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\n"
                + "x\r\n--" + B + "--\r\n";
        List<Parsed> parts = parseAll(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), B, 1024, 4096);
        assertEquals("my \"best\" file; v2 ü€😀.txt", parts.get(0).filename());
        assertEquals("files", parts.get(0).name());
    }

    @Test
    void headerParamsParseLikeCgi() {
        HeaderParams p = HeaderParams.parse("form-data; NAME=files; filename=\"a;b.txt\"; filename*=UTF-8''x");
        assertEquals("form-data", p.value());
        assertEquals("files", p.param("name"));
        assertEquals("a;b.txt", p.param("filename"));
        HeaderParams ct = HeaderParams.parse("multipart/form-data; boundary=\"quoted boundary\"");
        assertEquals("quoted boundary", ct.param("boundary"));
        assertEquals("", HeaderParams.parse("form-data; name=\"files\"; filename=\"\"").param("filename"));
        assertEquals("a\";b", HeaderParams.parse("x; q=\"a\\\";b\"").param("q"), "an escaped quote does not count");
    }

    @Test
    void headerParamsTakeLinearTime() {
        // cgi's algorithm recounts quotes at every ';': 4 s of CPU for one 64 KiB Content-Type like these.
        for (String unit : List.of("\\\";", "\";", ";")) {
            String header = "multipart/form-data; boundary=\"" + unit.repeat((1 << 20) / unit.length());
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> HeaderParams.parse(header), unit);
        }
    }

    @Test
    void partsAreDeliveredInOrderAndTheEpilogueIsIgnored() throws IOException {
        byte[] body = Multipart.builder(B).file("a", "1", new byte[100_000]).file("b", "2", "two".getBytes(StandardCharsets.UTF_8)).build();
        byte[] withEpilogue = Arrays.copyOf(body, body.length + 20);
        List<Parsed> parts = parseAll(new ByteArrayInputStream(withEpilogue), B, 1024, 1000);
        assertEquals(2, parts.size());
        assertEquals(100_000, parts.get(0).body().length);
        assertEquals("two", new String(parts.get(1).body(), StandardCharsets.UTF_8));
    }

    @Test
    void invalidBoundariesAreRefused() {
        for (String bad : List.of("", "a ", "x".repeat(201), "é")) {
            assertThrows(IllegalArgumentException.class, () -> new MultipartParser(bad, 1024, 1024, new Collector()), bad);
        }
    }

    /**
     * 64 MiB streamed through a parser with a 4 KiB buffer: the input is generated on the fly and
     * the output only hashed, so nothing holds the part; the parser's buffer is all it keeps.
     */
    @Test
    void largePartStreamsThroughSmallBuffer() throws Exception {
        long size = 64L << 20;
        byte[] head = ("--" + B + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big\"\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = ("\r\n--" + B + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        InputStream in = new Multipart.GeneratedBody(head, size, tail, 7, expected);
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long[] count = new long[1];
        int[] parts = new int[1];
        feedAll(new MultipartParser(B, 1024, 4096, new MultipartParser.Listener() {
            @Override
            public void part(MultipartParser.Part part) {
                parts[0]++;
            }

            @Override
            public void data(MultipartParser.Part part, byte[] b, int off, int len) {
                assertTrue(len <= 4096 * 2, "the parser hands out slices of its buffer");
                got.update(b, off, len);
                count[0] += len;
            }

            @Override
            public void end(MultipartParser.Part part) {
            }
        }), in);
        assertEquals(1, parts[0]);
        assertEquals(size, count[0]);
        assertEquals(HexFormat.of().formatHex(expected.digest()), HexFormat.of().formatHex(got.digest()));
    }

    @Test
    void aBodyFedOneByteAtATimeArrivesWhole() throws IOException {
        byte[] data = "line1\r\nline2\r\n--not-it\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] body = Multipart.builder(B).file("files", "f", data).build();
        List<Parsed> parts = parseAll(trickle(body), B, 1024, 1);
        assertEquals(1, parts.size());
        assertArrayEquals(data, parts.get(0).body());
    }
}
