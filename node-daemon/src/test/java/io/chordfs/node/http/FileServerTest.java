package io.chordfs.node.http;

import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.net.HttpPut;
import io.chordfs.node.peer.PercentCodec;
import io.chordfs.node.peer.ForwardRefusedException;
import io.chordfs.node.route.LocalRouter;
import io.chordfs.node.route.ObjectRouter;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static io.chordfs.node.http.Fixture.bytes;
import static io.chordfs.node.http.Fixture.random;
import static io.chordfs.node.http.Fixture.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file server over real sockets: reads, writes, multipart edge cases, auth, errors. */
class FileServerTest {
    static final String B = "----chordfsTestBoundary";

    @TempDir
    Path dir;
    Fixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    Fixture start() throws IOException {
        return start(FileServer.Options.defaults());
    }

    Fixture start(FileServer.Options o) throws IOException {
        f = Fixture.start(dir, 0, o);
        return f;
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------- reads

    @Test
    void getHeadAndConditionalRequests() throws IOException {
        start();
        byte[] data = bytes("hello, chordfs\n");
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "hello.txt", data)).statusCode());

        HttpResponse<byte[]> get = f.get("/hello.txt");
        assertEquals(200, get.statusCode());
        assertArrayEquals(data, get.body());
        assertEquals("text/plain", get.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(Long.toString(data.length), get.headers().firstValue("Content-Length").orElseThrow());
        String etag = get.headers().firstValue("ETag").orElseThrow();
        assertEquals("\"" + sha256(data) + "\"", etag);
        String lastModified = get.headers().firstValue("Last-Modified").orElseThrow();
        ObjectMeta meta = f.store.meta("hello.txt").orElseThrow();
        assertEquals(HttpDates.format(meta.modifiedMillis()), lastModified);
        assertEquals("bytes", get.headers().firstValue("Accept-Ranges").orElseThrow());

        HttpResponse<byte[]> head = f.send("HEAD", "/hello.txt", null);
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        assertEquals(Long.toString(data.length), head.headers().firstValue("Content-Length").orElseThrow());
        assertEquals("text/plain", head.headers().firstValue("Content-Type").orElseThrow());

        // If-Modified-Since: whole seconds, not later -> 304; earlier -> 200
        assertEquals(304, f.get("/hello.txt", "If-Modified-Since", lastModified).statusCode());
        assertEquals(304, f.get("/hello.txt", "If-Modified-Since", HttpDates.format(meta.modifiedMillis() + 5000)).statusCode());
        assertEquals(200, f.get("/hello.txt", "If-Modified-Since", HttpDates.format(meta.modifiedMillis() - 1000)).statusCode());
        assertEquals(200, f.get("/hello.txt", "If-Modified-Since", "garbage").statusCode());
        // If-None-Match wins over If-Modified-Since, as in Python
        assertEquals(304, f.get("/hello.txt", "If-None-Match", etag).statusCode());
        assertEquals(304, f.get("/hello.txt", "If-None-Match", "\"other\", W/" + etag).statusCode());
        assertEquals(200, f.get("/hello.txt", "If-None-Match", "\"other\"", "If-Modified-Since", lastModified).statusCode());

        HttpResponse<byte[]> missing = f.get("/nope.txt");
        assertEquals(404, missing.statusCode());
        assertTrue(text(missing).contains("File not found"), text(missing));
        assertEquals("text/html;charset=utf-8", missing.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(404, f.send("HEAD", "/nope.txt", null).statusCode());
    }

    @Test
    void rangeRequests() throws IOException {
        start();
        byte[] data = random(3 * (1 << 20) + 123, 1); // spans four 1 MiB blocks
        assertEquals(201, f.send("PUT", "/r.bin", data).statusCode());
        HttpResponse<byte[]> r = f.get("/r.bin", "Range", "bytes=10-19");
        assertEquals(206, r.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 10, 20), r.body());
        assertEquals("bytes 10-19/" + data.length, r.headers().firstValue("Content-Range").orElseThrow());
        assertEquals("10", r.headers().firstValue("Content-Length").orElseThrow());

        int a = (1 << 20) - 5;
        r = f.get("/r.bin", "Range", "bytes=" + a + "-");
        assertEquals(206, r.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(data, a, data.length), r.body());

        r = f.get("/r.bin", "Range", "bytes=-100");
        assertArrayEquals(java.util.Arrays.copyOfRange(data, data.length - 100, data.length), r.body());

        r = f.get("/r.bin", "Range", "bytes=" + data.length + "-");
        assertEquals(416, r.statusCode());
        assertEquals("bytes */" + data.length, r.headers().firstValue("Content-Range").orElseThrow());

        r = f.get("/r.bin", "Range", "bytes=0-1,5-6");
        assertEquals(200, r.statusCode(), "several ranges: the whole object");
        assertArrayEquals(data, r.body());

        String etag = r.headers().firstValue("ETag").orElseThrow();
        assertEquals(206, f.get("/r.bin", "Range", "bytes=0-0", "If-Range", etag).statusCode());
        assertEquals(200, f.get("/r.bin", "Range", "bytes=0-0", "If-Range", "\"stale\"").statusCode());

        HttpResponse<byte[]> head = f.send("HEAD", "/r.bin", null, "Range", "bytes=0-99");
        assertEquals(206, head.statusCode());
        assertEquals("100", head.headers().firstValue("Content-Length").orElseThrow());
    }

    @Test
    void emptyObject() throws IOException {
        start();
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "empty", new byte[0])).statusCode());
        HttpResponse<byte[]> r = f.get("/empty");
        assertEquals(200, r.statusCode());
        assertEquals(0, r.body().length);
        assertEquals("0", r.headers().firstValue("Content-Length").orElseThrow());
        assertEquals("application/octet-stream", r.headers().firstValue("Content-Type").orElseThrow());
    }

    /** One request cannot make an unbounded number of objects: past the bound, 413 and nothing is stored. */
    @Test
    void anUploadOfMoreFilesThanTheBoundIsRefusedWhole() throws IOException {
        start();
        Multipart.Builder many = Multipart.builder(B);
        for (int i = 0; i <= FormUpload.MAX_FILES; i++) {
            many.file("files", "many-" + i, bytes("x"));
        }
        HttpResponse<byte[]> r = f.upload(many);
        assertEquals(413, r.statusCode(), text(r));
        assertTrue(f.liveNames().isEmpty(), "nothing stored");
    }

    @Test
    void namesArePercentDecodedAndChecked() throws IOException {
        start();
        String name = "my file ü€ (1).txt";
        assertEquals(204, f.upload(Multipart.builder(B).file("files", name, bytes("x"))).statusCode());
        assertEquals(List.of(name), f.liveNames());
        assertEquals(200, f.get("/" + PercentCodec.quote(name)).statusCode());
        for (String bad : new String[] {"/a//b", "/x/", "/..", "/.", "/%2e%2e", "/a/%2e%2e/b", "/a/.chordfs/x", "/a/%2e", "/%00x", "/%FF", "/.chordfs",
                "/" + "n".repeat(256), "/%C2%85x", "/csi%C2%9B", // C1 controls: found by HttpHeadersFuzzTest
                "/evil%E2%80%AEgnp.exe", "/a%E2%81%A6b", "/zero%E2%80%8Bwidth", "/%EF%BB%BFbom"}) { // can spoof a listing
            HttpResponse<byte[]> r = f.get(bad);
            assertEquals(400, r.statusCode(), bad);
            assertTrue(text(r).contains("Bad file name"), text(r));
        }
        String raw = new String(Fixture.raw(f.port(), bytes("GET /bad%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                Duration.ofSeconds(10)), StandardCharsets.ISO_8859_1);
        assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
        assertEquals(400, f.send("PUT", "/a//b", bytes("x")).statusCode());
        assertEquals(400, f.send("DELETE", "/..", null).statusCode());
        assertEquals(400, f.send("PUT", "/evil%E2%80%AEgnp.exe", bytes("x")).statusCode());
        assertEquals(List.of(name), f.liveNames());
        assertEquals(List.of(name), f.visibleFiles());
    }

    @Test
    void listingHtmlAndJsonShowLiveLocalFiles() throws IOException {
        start();
        assertEquals(204, f.upload(Multipart.builder(B)
                .file("files", "b.txt", bytes("bb"))
                .file("files", "A <x>&y.txt", bytes("a"))
                .file("files", "gone.txt", bytes("g"))).statusCode());
        assertEquals(204, f.send("DELETE", "/gone.txt", null).statusCode());
        HttpResponse<byte[]> html = f.get("/");
        assertEquals(200, html.statusCode());
        assertEquals("text/html; charset=utf-8", html.headers().firstValue("Content-Type").orElseThrow());
        String page = text(html);
        assertTrue(page.contains("<title>Directory listing for /</title>"), page);
        assertTrue(page.contains("<a href=\"/upload\">File Upload</a>"), page);
        int a = page.indexOf("<li><a href=\"A%20%3Cx%3E%26y.txt\">A &lt;x&gt;&amp;y.txt</a></li>");
        int b = page.indexOf("<li><a href=\"b.txt\">b.txt</a></li>");
        assertTrue(a > 0 && b > a, "sorted case-insensitively, links quoted, names escaped:\n" + page);
        assertFalse(page.contains("gone.txt"), "tombstones are not listed");
        assertFalse(page.contains(".chordfs"));

        HttpResponse<byte[]> json = f.get("/", "Accept", "application/json, */*");
        assertEquals(200, json.statusCode());
        assertEquals("application/json", json.headers().firstValue("Content-Type").orElseThrow());
        String j = text(json);
        ObjectMeta bm = f.store.meta("b.txt").orElseThrow();
        assertTrue(j.startsWith("[{\"name\":\"A <x>&y.txt\",\"size\":1,"), j);
        assertTrue(j.contains("{\"name\":\"b.txt\",\"size\":2,\"modified\":\""
                + java.time.Instant.ofEpochMilli(bm.modifiedMillis()) + "\",\"sha256\":\"" + sha256(bytes("bb"))
                + "\",\"version\":" + bm.version() + "}"), j);
        assertFalse(j.contains("gone.txt"));
        // listing with a query string is still the listing (http.server drops the query)
        assertEquals(200, f.get("/?x=1").statusCode());
    }

    @Test
    void uploadPageIsUploadserversPage() throws IOException {
        start();
        HttpResponse<byte[]> r = f.get("/upload");
        assertEquals(200, r.statusCode());
        assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(text(r).contains("<form action=\"upload\" method=\"POST\" enctype=\"multipart/form-data\">"));
        assertTrue(text(r).contains("<input name=\"files\" type=\"file\" multiple />"));
        HttpResponse<byte[]> head = f.send("HEAD", "/upload", null);
        assertEquals(200, head.statusCode());
        assertEquals(Integer.toString(r.body().length), head.headers().firstValue("Content-Length").orElseThrow());
        // /upload?x is the file "upload", as in http.server
        assertEquals(404, f.get("/upload?x=1").statusCode());
    }

    // ------------------------------------------------------------------------------ writes

    @Test
    void putCreatesReplacesAndDeleteRemoves() throws IOException {
        start();
        HttpResponse<byte[]> created = f.send("PUT", "/p.bin", bytes("one"));
        assertEquals(201, created.statusCode());
        assertEquals("\"" + sha256(bytes("one")) + "\"", created.headers().firstValue("ETag").orElseThrow());
        long v1 = f.store.meta("p.bin").orElseThrow().version();
        assertEquals(204, f.send("PUT", "/p.bin", bytes("two!")).statusCode(), "replacing answers 204");
        assertArrayEquals(bytes("two!"), f.get("/p.bin").body());
        assertTrue(f.store.meta("p.bin").orElseThrow().version() > v1);

        assertEquals(204, f.send("DELETE", "/p.bin", null).statusCode());
        assertEquals(404, f.get("/p.bin").statusCode());
        assertEquals(404, f.send("DELETE", "/p.bin", null).statusCode());
        assertEquals(404, f.send("DELETE", "/never", null).statusCode());
        assertTrue(f.store.meta("p.bin").orElseThrow().tombstone());
        assertEquals(List.of(), f.visibleFiles());
        assertEquals(201, f.send("PUT", "/p.bin", bytes("three")).statusCode(), "a deleted name is created anew");
    }

    @Test
    void ofConcurrentPutsThatCreateANameExactlyOneAnswers201() throws Exception {
        start();
        int writers = 8;
        for (int round = 0; round < 5; round++) {
            String path = "/together-" + round + ".bin";
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(writers);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
            try {
                List<java.util.concurrent.Future<Integer>> codes = new java.util.ArrayList<>();
                for (int i = 0; i < writers; i++) {
                    byte[] body = random(20_000, round * 100 + i);
                    codes.add(pool.submit(() -> {
                        start.await();
                        return f.send("PUT", path, body).statusCode();
                    }));
                }
                List<Integer> got = new java.util.ArrayList<>();
                for (java.util.concurrent.Future<Integer> c : codes) {
                    got.add(c.get());
                }
                assertEquals(1, got.stream().filter(c -> c == 201).count(), "codes " + got);
                assertEquals(writers - 1, got.stream().filter(c -> c == 204).count(), "codes " + got);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aPutWithBlockCrcsIsStoredOnlyIfTheBytesMatchThem() throws IOException {
        start();
        byte[] content = random(2 * ObjectStore.BLOCK_SIZE + 100, 3);
        List<Long> crcs = BlockCrcs.of(content, 0, content.length);
        HttpResponse<byte[]> ok = f.send("PUT", "/checked.bin", content, BlockCrcs.HEADER, BlockCrcs.format(crcs));
        assertEquals(201, ok.statusCode());
        assertEquals("\"" + sha256(content) + "\"", ok.headers().firstValue("ETag").orElseThrow());
        // the SHA-256 of the bytes this PUT carried, which the client puts in its manifest
        assertEquals(sha256(content), ok.headers().firstValue(HttpPut.BODY_SHA256).orElseThrow());
        assertArrayEquals(content, f.get("/checked.bin").body());

        List<Long> wrong = new java.util.ArrayList<>(crcs);
        wrong.set(1, wrong.get(1) ^ 0x100);
        HttpResponse<byte[]> refused = f.send("PUT", "/damaged.bin", content, BlockCrcs.HEADER, BlockCrcs.format(wrong));
        assertEquals(422, refused.statusCode());
        assertEquals(404, f.get("/damaged.bin").statusCode());
        assertTrue(f.store.meta("damaged.bin").isEmpty());
        // a replacement that does not match leaves the stored version as it was
        assertEquals(422, f.send("PUT", "/checked.bin", bytes("other"), BlockCrcs.HEADER, "1").statusCode());
        assertArrayEquals(content, f.get("/checked.bin").body());

        assertEquals(400, f.send("PUT", "/malformed.bin", content, BlockCrcs.HEADER, "1,x").statusCode());
        assertTrue(f.store.meta("malformed.bin").isEmpty());
        assertEquals(List.of("checked.bin"), f.liveNames());
    }

    @Test
    void aRawGetOfTheWholeObjectCarriesItsStoredBlockCrcs() throws IOException {
        start();
        byte[] content = random(2 * ObjectStore.BLOCK_SIZE + 100, 4);
        assertEquals(201, f.send("PUT", "/blocks.bin", content).statusCode());
        String expected = BlockCrcs.format(BlockCrcs.of(content, 0, content.length));

        HttpResponse<byte[]> raw = f.get("/blocks.bin", "X-ChordFS-Raw", "1");
        assertEquals(200, raw.statusCode());
        assertEquals(expected, raw.headers().firstValue(BlockCrcs.HEADER).orElseThrow());
        assertArrayEquals(content, raw.body());
        assertEquals(expected, f.send("HEAD", "/blocks.bin", null, "X-ChordFS-Raw", "1").headers()
                .firstValue(BlockCrcs.HEADER).orElseThrow());
        // not for other clients, and not for a part of the object
        assertTrue(f.get("/blocks.bin").headers().firstValue(BlockCrcs.HEADER).isEmpty());
        HttpResponse<byte[]> part = f.get("/blocks.bin", "X-ChordFS-Raw", "1", "Range", "bytes=0-99");
        assertEquals(206, part.statusCode());
        assertTrue(part.headers().firstValue(BlockCrcs.HEADER).isEmpty());
    }

    @FunctionalInterface
    interface Commit {
        io.chordfs.node.store.Committed commit(StagedWrite staged) throws IOException;
    }

    /** A router that commits as {@code commit} does, and reads and deletes through {@code local}. */
    static ObjectRouter committing(LocalRouter local, Commit commit) {
        return new ObjectRouter() {
            @Override
            public io.chordfs.node.store.Committed commit(StagedWrite staged) throws IOException {
                return commit.commit(staged);
            }

            @Override
            public Optional<ObjectSource> open(String name) throws IOException {
                return local.open(name);
            }

            @Override
            public boolean delete(String name) throws IOException {
                return local.delete(name);
            }
        };
    }

    @Test
    void aPutThatLosesToAConcurrentWriterAnswersWithItsOwnBodysSha256() throws IOException {
        ObjectStore store = ObjectStore.open(dir, 0);
        LocalRouter local = new LocalRouter(store);
        byte[] theirs = bytes("the version of a writer that committed in between");
        // The owner's commit takes its version, then another writer's later version lands first.
        ObjectRouter racing = committing(local, staged -> {
            long mine = store.nextVersion();
            try (StagedWrite other = store.stage(staged.name())) {
                try (java.io.OutputStream out = other.out()) {
                    out.write(theirs);
                }
                other.commit(store.nextVersion(), System.currentTimeMillis(), null);
            }
            ObjectMeta meta = staged.commit(mine, System.currentTimeMillis(), null);
            return new io.chordfs.node.store.Committed(meta, staged.created());
        });
        f = Fixture.start(dir, store, racing, FileServer.Options.defaults());
        byte[] mine = random(5000, 6);
        HttpResponse<byte[]> put = f.send("PUT", "/race.bin", mine, BlockCrcs.HEADER,
                BlockCrcs.format(BlockCrcs.of(mine, 0, mine.length)));
        // it lost to a version that was there when it committed: not created
        assertEquals(204, put.statusCode());
        // the ETag describes the version that stayed; the body's own sum is apart
        assertArrayEquals(theirs, f.get("/race.bin").body());
        assertEquals("\"" + sha256(theirs) + "\"", put.headers().firstValue("ETag").orElseThrow());
        assertEquals(sha256(mine), put.headers().firstValue(HttpPut.BODY_SHA256).orElseThrow());
    }

    @Test
    void aCopyTheOwnerRefusesIs502AndNothingIsStored() throws IOException {
        ObjectStore store = ObjectStore.open(dir, 0);
        LocalRouter local = new LocalRouter(store);
        // As a forwarding node's router when the owner answers 422 for the copy it was sent.
        ObjectRouter refusing = committing(local, staged -> {
            throw new ForwardRefusedException("the owner refused the copy of " + staged.name(),
                    new CorruptObjectException("transfer did not verify"));
        });
        f = Fixture.start(dir, store, refusing, FileServer.Options.defaults());
        byte[] content = random(3000, 5);
        HttpResponse<byte[]> put = f.send("PUT", "/fwd.bin", content, BlockCrcs.HEADER,
                BlockCrcs.format(BlockCrcs.of(content, 0, content.length)));
        assertEquals(502, put.statusCode());
        assertTrue(text(put).contains("owner refused"), text(put));
        HttpResponse<byte[]> post = f.upload(Multipart.builder(B).file("files", "fwd2.bin", content));
        assertEquals(502, post.statusCode());
        assertEquals(List.of(), f.liveNames());
        assertEquals(404, f.get("/fwd.bin").statusCode());
    }

    @Test
    void reuploadReplacesInsteadOfRenaming() throws IOException {
        start();
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "same.txt", bytes("v1"))).statusCode());
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "same.txt", bytes("v2"))).statusCode());
        // uploadserver (without --allow-replace) would now hold "same.txt" and "same (1).txt"
        assertEquals(List.of("same.txt"), f.liveNames());
        assertArrayEquals(bytes("v2"), f.get("/same.txt").body());
        // the same name twice in one request: the later part wins
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "d.txt", bytes("first")).file("files", "d.txt", bytes("second"))).statusCode());
        assertArrayEquals(bytes("second"), f.stored("d.txt"));
    }

    @Test
    void multipleFilesAndOtherFields() throws IOException {
        start();
        HttpResponse<byte[]> r = f.upload(Multipart.builder(B)
                .field("comment", "ignored")
                .file("files", "one.txt", bytes("1"))
                .file("other", "not-stored.txt", bytes("x"))
                .file("files", "two.txt", bytes("22")));
        assertEquals(204, r.statusCode());
        assertEquals(List.of("one.txt", "two.txt"), f.liveNames());
        assertArrayEquals(bytes("22"), f.stored("two.txt"));
        // PUT /upload is the same as POST
        assertEquals(204, f.upload("PUT", Multipart.builder(B).file("files", "three.txt", bytes("3")).build(),
                Multipart.builder(B)).statusCode());
        assertArrayEquals(bytes("3"), f.stored("three.txt"));
    }

    @Test
    void uploadErrorsStoreNothing() throws Exception {
        start();
        HttpResponse<byte[]> r = f.upload(Multipart.builder(B).field("notfiles", "x"));
        assertEquals(400, r.statusCode());
        assertTrue(text(r).contains("Field &quot;files&quot; not found") || text(r).contains("Field \"files\" not found"), text(r));

        r = f.upload(Multipart.builder(B).file("files", "ok.txt", bytes("ok")).file("files", "", bytes("x")));
        assertEquals(400, r.statusCode());
        assertTrue(text(r).contains("No files selected"), text(r));

        // a files part without filename= at all (a plain field named files)
        r = f.upload(Multipart.builder(B).file("files", "ok.txt", bytes("ok")).field("files", "plain"));
        assertEquals(400, r.statusCode());
        assertTrue(text(r).contains("No files selected"), text(r));

        // a bad name anywhere: nothing stored, not even the good files before it
        for (String bad : new String[] {"..", "a\\b.txt", "/", "a/..", "bad\u0001name", "n".repeat(300), ".chordfs",
                "evil\u202Egnp.exe", "iso\u2067late", "zw\u200Bsp", "zwj\u200D", "bom\uFEFF"}) {
            r = f.upload(Multipart.builder(B).file("files", "good.txt", bytes("g")).file("files", bad, bytes("b")));
            assertEquals(400, r.statusCode(), bad);
            assertTrue(text(r).contains("Bad file name"), text(r));
        }

        // not multipart, no boundary, missing closing boundary, truncated headers
        assertEquals(400, f.send("POST", "/upload", bytes("files=x"), "Content-Type", "application/x-www-form-urlencoded").statusCode());
        assertEquals(400, f.send("POST", "/upload", bytes("x"), "Content-Type", "multipart/form-data").statusCode());
        assertEquals(400, f.send("POST", "/upload", bytes("x")).statusCode());
        Multipart.Builder unclosed = Multipart.builder(B).file("files", "u1.txt", bytes("u1")).file("files", "u2.txt", random(100_000, 3));
        r = f.upload("POST", unclosed.buildUnclosed(), unclosed);
        assertEquals(400, r.statusCode());
        assertTrue(text(r).contains("closing multipart boundary"), text(r));
        byte[] cut = ("--" + B + "\r\nContent-Disposition: form-data; name=\"files\"; filen").getBytes(StandardCharsets.UTF_8);
        assertEquals(400, f.upload("POST", cut, Multipart.builder(B)).statusCode());

        assertEquals(List.of(), f.liveNames());
        assertEquals(List.of(), f.visibleFiles());
        assertEquals(List.of(), f.tempFiles(), "staged temp files are deleted");
    }

    @Test
    void boundaryLookalikesInFileDataAreStoredExactly() throws IOException {
        start();
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.writeBytes(random(70_000, 9));
        for (int i = 0; i <= B.length(); i++) {
            d.writeBytes(("\r\n--" + B.substring(0, i)).getBytes(StandardCharsets.ISO_8859_1));
            d.writeBytes(random(100, i));
        }
        d.writeBytes(("\r\n--" + B + "X").getBytes(StandardCharsets.ISO_8859_1));
        d.writeBytes(random(70_000, 10));
        d.writeBytes("\r\n--".getBytes(StandardCharsets.ISO_8859_1));
        byte[] data = d.toByteArray();
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "tricky.bin", data).file("files", "after.txt", bytes("after"))).statusCode());
        assertArrayEquals(data, f.stored("tricky.bin"));
        assertArrayEquals(bytes("after"), f.stored("after.txt"));
        assertArrayEquals(data, f.get("/tricky.bin").body());
    }

    @Test
    void hugePartHeadersAreRejected() throws IOException {
        start(FileServer.Options.defaults().withLimits(64 * 1024, 4096, Long.MAX_VALUE));
        Multipart.Builder mb = Multipart.builder(B).raw("Content-Disposition: form-data; name=\"files\"; filename=\"h.txt\"\r\n"
                + "X-Padding: " + "p".repeat(10_000) + "\r\n", bytes("data"));
        HttpResponse<byte[]> r = f.upload(mb);
        assertEquals(400, r.statusCode());
        assertTrue(text(r).contains("headers exceed 4096 bytes"), text(r));
        assertEquals(List.of(), f.liveNames());
    }

    @Test
    void manyPartsInOneRequest() throws IOException {
        start();
        Multipart.Builder mb = Multipart.builder(B);
        for (int i = 0; i < 200; i++) {
            mb.file("files", "small-" + i + ".txt", bytes("content " + i));
        }
        assertEquals(204, f.upload(mb).statusCode());
        assertEquals(200, f.liveNames().size());
        for (int i = 0; i < 200; i += 37) {
            assertArrayEquals(bytes("content " + i), f.stored("small-" + i + ".txt"));
        }
    }

    /** A nested name is that path under the data directory; %2F is a '/' like any other. */
    @Test
    void nestedNamesArePutReadAndDeletedAsPathsUnderTheDataDirectory() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        f = Fixture.start(data, 0, FileServer.Options.defaults());
        assertEquals(201, f.send("PUT", "/a/b%20c/d.txt", bytes("nested")).statusCode());
        assertArrayEquals(bytes("nested"), Files.readAllBytes(data.resolve("a/b c/d.txt")));
        assertArrayEquals(bytes("nested"), f.get("/a%2Fb%20c/d.txt").body());
        assertEquals(204, f.send("DELETE", "/a/b%20c/d.txt", null).statusCode());
        assertEquals(404, f.get("/a/b%20c/d.txt").statusCode());
        assertFalse(Files.exists(data.resolve("a")), "the emptied folders are removed");
    }

    @Test
    void pathsInFilenamesKeepOnlyTheBaseName() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        f = Fixture.start(data, 0, FileServer.Options.defaults());
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "../../etc/x", bytes("x"))
                .file("files", "/abs/path/y.txt", bytes("y"))).statusCode());
        assertEquals(List.of("x", "y.txt"), f.liveNames());
        assertArrayEquals(bytes("x"), Files.readAllBytes(data.resolve("x")));
        try (var s = Files.list(dir)) {
            assertEquals(List.of("data"), s.map(p -> p.getFileName().toString()).toList(), "nothing outside the data dir");
        }
    }

    @Test
    void quotedFilenamesWithSpacesAndUnicode() throws IOException {
        start();
        String name = "my \"quoted\" file; ü 😀.txt";
        assertEquals(204, f.upload(Multipart.builder(B).file("files", name, bytes("q"))).statusCode());
        assertEquals(List.of(name), f.liveNames());
        HttpResponse<byte[]> r = f.get("/" + PercentCodec.quote(name));
        assertEquals(200, r.statusCode());
        assertArrayEquals(bytes("q"), r.body());
    }

    @Test
    void maxObjectBytesGives413() throws Exception {
        start(FileServer.Options.defaults().withLimits(64 * 1024, 16 * 1024, 1000));
        assertEquals(413, f.upload(Multipart.builder(B).file("files", "big", new byte[1001])).statusCode());
        assertEquals(413, f.send("PUT", "/big", new byte[1001]).statusCode());
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "fits", new byte[1000])).statusCode());
        assertEquals(List.of("fits"), f.liveNames());
        assertEquals(List.of(), f.tempFiles());
    }

    /**
     * 16 MiB in chunked transfer encoding, generated while sent and never held: stored with the
     * exact SHA-256 (the 64 MiB upload into a 32 MiB heap, with a Content-Length, is in
     * FileServerChildJvmTest).
     */
    @Test
    void largeChunkedUploadStreamsToTheStore() throws Exception {
        start();
        long size = 16L << 20;
        byte[] head = ("--" + B + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.bin\"\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = ("\r\n--" + B + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        Multipart.GeneratedBody body = new Multipart.GeneratedBody(head, size, tail, 64, sent);
        HttpRequest req = HttpRequest.newBuilder(f.base.resolve("/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + B)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)) // no length: chunked
                .build();
        HttpResponse<String> r = Fixture.HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode(), r.body());
        String expected = HexFormat.of().formatHex(sent.digest());
        ObjectMeta meta = f.store.meta("big.bin").orElseThrow();
        assertEquals(size, meta.size());
        assertEquals(expected, meta.sha256());

        // and streamed back: hash the download without holding it
        HttpResponse<InputStream> down = Fixture.HTTP.send(HttpRequest.newBuilder(f.base.resolve("/big.bin")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Fixture.assertStreamed(down.body(), size, expected);
    }

    /**
     * A GET makes exactly one copyTo call on its source, whatever the range, so sources that are
     * sequential streams (an object proxied from another node) work; and a source that delivers
     * fewer bytes than its metadata promises is a 500 (before the status line) or a dropped
     * connection, never a response that silently ends short.
     */
    @Test
    void sourcesAreCopiedOnceAndShortSourcesFail() throws IOException {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean shortChange = new java.util.concurrent.atomic.AtomicBoolean();
        io.chordfs.node.store.ObjectStore store = io.chordfs.node.store.ObjectStore.open(dir, 0);
        io.chordfs.node.route.LocalRouter local = new io.chordfs.node.route.LocalRouter(store);
        io.chordfs.node.route.ObjectRouter counting = new io.chordfs.node.route.ObjectRouter() {
            @Override
            public io.chordfs.node.store.Committed commit(io.chordfs.node.store.StagedWrite staged)
                    throws IOException {
                return local.commit(staged);
            }

            @Override
            public java.util.Optional<io.chordfs.node.store.ObjectSource> open(String name) throws IOException {
                return local.open(name).map(src -> new io.chordfs.node.store.ObjectSource() {
                    @Override
                    public ObjectMeta meta() {
                        return src.meta();
                    }

                    @Override
                    public io.chordfs.node.store.Pieces pieces(long offset, long length) throws IOException {
                        calls.incrementAndGet();
                        return src.pieces(offset, shortChange.get() ? length - 1 : length);
                    }

                    @Override
                    public void close() throws IOException {
                        src.close();
                    }
                });
            }

            @Override
            public boolean delete(String name) throws IOException {
                return local.delete(name);
            }
        };
        f = Fixture.start(dir, store, counting, FileServer.Options.defaults());
        byte[] data = random(3 * (1 << 20) + 7, 12);
        assertEquals(201, f.send("PUT", "/seq.bin", data).statusCode());
        calls.set(0);
        assertArrayEquals(data, f.get("/seq.bin").body());
        assertEquals(1, calls.get());
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 5, (1 << 20) + 9), f.get("/seq.bin", "Range", "bytes=5-" + ((1 << 20) + 8)).body());
        assertEquals(2, calls.get());

        shortChange.set(true);
        assertEquals(500, f.get("/seq.bin", "Range", "bytes=0-99").statusCode(), "short within the held first block");
        assertThrows(IOException.class, () -> f.get("/seq.bin"), "short after the status line: dropped");
        assertEquals(200, f.get("/").statusCode());
    }

    // ------------------------------------------------------------------------------ errors

    @Test
    void corruptCopyIsNeverServed() throws IOException {
        start();
        byte[] small = random(5000, 5);
        byte[] big = random(3 * (1 << 20), 6);
        assertEquals(201, f.send("PUT", "/small.bin", small).statusCode());
        assertEquals(201, f.send("PUT", "/big.bin", big).statusCode());
        flipByte(dir.resolve("small.bin"), 100);
        flipByte(dir.resolve("big.bin"), (2 << 20) + 10); // in the third block

        HttpResponse<byte[]> r = f.get("/small.bin");
        assertEquals(500, r.statusCode());
        assertTrue(text(r).contains("stored copy of small.bin is corrupt"), text(r));

        // The first two blocks are good and go out; the third fails its CRC: the connection is
        // dropped, so the client sees fewer bytes than Content-Length, all of them good.
        HttpResponse<InputStream> down;
        try {
            down = Fixture.HTTP.send(HttpRequest.newBuilder(f.base.resolve("/big.bin")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals(200, down.statusCode());
        assertEquals(Long.toString(big.length), down.headers().firstValue("Content-Length").orElseThrow());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThrows(IOException.class, () -> {
            try (InputStream in = down.body()) {
                byte[] buf = new byte[1 << 16];
                int k;
                while ((k = in.read(buf)) >= 0) {
                    got.write(buf, 0, k);
                }
            }
        });
        byte[] prefix = got.toByteArray();
        assertTrue(prefix.length <= 2 << 20, "no byte of the bad block: " + prefix.length);
        assertArrayEquals(java.util.Arrays.copyOf(big, prefix.length), prefix);

        // the bad block is now known: a read touching it fails before the status line
        r = f.get("/big.bin");
        assertEquals(500, r.statusCode());
        // a range of good blocks is still served
        r = f.get("/big.bin", "Range", "bytes=0-99");
        assertEquals(206, r.statusCode());
        assertArrayEquals(java.util.Arrays.copyOf(big, 100), r.body());
        // the server is fine afterwards
        assertEquals(200, f.get("/").statusCode());
    }

    static void flipByte(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.flip();
            b.put(0, (byte) (b.get(0) ^ 0x5a));
            ch.write(b, at);
        }
    }

    @Test
    void diskFullGives507AndStoresNothing() throws Exception {
        f = Fixture.start(dir, 256 * 1024, FileServer.Options.defaults());
        HttpResponse<byte[]> r = f.upload(Multipart.builder(B).file("files", "big.bin", random(1 << 20, 7)));
        assertEquals(507, r.statusCode());
        assertTrue(text(r).contains("Insufficient storage"), text(r));
        // two files that fit alone but not together: nothing of either is kept
        r = f.upload(Multipart.builder(B).file("files", "a.bin", random(150_000, 1)).file("files", "b.bin", random(150_000, 2)));
        assertEquals(507, r.statusCode());
        assertEquals(507, f.send("PUT", "/c.bin", random(300_000, 3)).statusCode());
        assertEquals(List.of(), f.liveNames());
        assertEquals(List.of(), f.visibleFiles());
        assertEquals(List.of(), f.tempFiles());
        // what fits still goes in
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "ok.bin", random(100_000, 4))).statusCode());
        assertEquals(List.of("ok.bin"), f.liveNames());
    }

    @Test
    void methodsAndPathsLikeUploadserver() throws IOException {
        start();
        HttpResponse<byte[]> r = f.send("POST", "/other", bytes("x"), "Content-Type", "text/plain");
        assertEquals(404, r.statusCode());
        assertTrue(text(r).contains("Can only POST/PUT to /upload"), text(r));
        assertEquals(501, f.send("PATCH", "/x", bytes("x")).statusCode());
        assertEquals(501, f.send("OPTIONS", "/x", null).statusCode());
    }

    @Test
    void oversizedRequestHeadIsRefused() throws IOException {
        start(FileServer.Options.defaults().withLimits(8 * 1024, 16 * 1024, Long.MAX_VALUE));
        String req = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n";
        String got = new String(Fixture.raw(f.port(), bytes(req), Duration.ofSeconds(10)), StandardCharsets.ISO_8859_1);
        assertTrue(got.startsWith("HTTP/1.1 431"), got);
        assertEquals(200, f.get("/").statusCode());
    }

    // -------------------------------------------------------------------------------- auth

    static String basic(String up) {
        return HttpBitsTest.basic(up);
    }

    @Test
    void basicAuthForEverything() throws IOException {
        start(FileServer.Options.defaults().withBasicAuth("user:pass", null));
        HttpResponse<byte[]> r = f.get("/");
        assertEquals(401, r.statusCode());
        assertEquals("Basic realm=\"uploadserver\"", r.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals(401, f.get("/", "Authorization", basic("user:wrong")).statusCode());
        assertEquals(401, f.send("HEAD", "/x", null).statusCode());
        assertEquals(401, f.upload(Multipart.builder(B).file("files", "a", bytes("a"))).statusCode());
        assertEquals(List.of(), f.liveNames());
        assertEquals(200, f.get("/", "Authorization", basic("user:pass")).statusCode());
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "a", bytes("a")), "Authorization", basic("user:pass")).statusCode());
        assertEquals(200, f.get("/a", "Authorization", basic("user:pass")).statusCode());
    }

    @Test
    void basicAuthUploadOnlyAndBoth() throws IOException {
        start(FileServer.Options.defaults().withBasicAuth(null, "up:load"));
        assertEquals(200, f.get("/").statusCode(), "downloads need nothing");
        assertEquals(401, f.get("/upload").statusCode(), "/upload needs the upload credentials, GET too");
        assertEquals(401, f.upload(Multipart.builder(B).file("files", "a", bytes("a"))).statusCode());
        assertEquals(401, f.send("PUT", "/a", bytes("a")).statusCode(), "our writes need them too");
        assertEquals(401, f.send("DELETE", "/a", null).statusCode());
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "a", bytes("a")), "Authorization", basic("up:load")).statusCode());
        assertEquals(204, f.send("PUT", "/a", bytes("b"), "Authorization", basic("up:load")).statusCode());
        f.close();

        f = Fixture.start(dir, 0, FileServer.Options.defaults().withBasicAuth("user:pass", "up:load"));
        assertEquals(401, f.get("/a").statusCode());
        assertEquals(200, f.get("/a", "Authorization", basic("user:pass")).statusCode());
        assertEquals(200, f.get("/a", "Authorization", basic("up:load")).statusCode(), "either works outside /upload");
        assertEquals(401, f.upload(Multipart.builder(B).file("files", "b", bytes("b")), "Authorization", basic("user:pass")).statusCode(),
                "/upload takes only the upload credentials");
        assertEquals(204, f.upload(Multipart.builder(B).file("files", "b", bytes("b")), "Authorization", basic("up:load")).statusCode());
        assertEquals(List.of("a", "b"), f.liveNames());
    }
}
