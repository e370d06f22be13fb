package io.chordfs.node.http;

import io.chordfs.node.peer.PercentCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.chordfs.node.http.Fixture.bytes;
import static io.chordfs.node.http.Fixture.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Python {@code uploadserver} 6.0.5 ({@code compat/requirements.txt}, installed into {@code .venv}
 * by {@code scripts/setup-python}) and our FileServer side by side: the same requests to both,
 * the same status codes, headers that matter and stored files.
 *
 * <p>Deliberate differences, each asserted in {@link #deliberateDifferences()}:
 * <ol>
 * <li>uploading an existing name replaces it (a new version); uploadserver stores {@code name (1)};</li>
 * <li>names follow the store's rules: {@code GET /sub/x} is 400 here, 404 there;</li>
 * <li>Range (206) and ETag / If-None-Match are ours only (uploadserver ignores Range: 200);</li>
 * <li>DELETE and PUT /name are ours (uploadserver: 501 and 404);</li>
 * <li>HEAD needs credentials under --basic-auth here (uploadserver does not check HEAD).</li>
 * </ol>
 */
class UploadServerParityTest {
    static final String B = "----chordfsParityBoundary";

    @TempDir
    Path tmp;
    Process python;
    Path pyDir;
    Path pyLog;
    URI py;
    Fixture ours;

    @AfterEach
    void stop() throws InterruptedException {
        if (python != null) {
            python.destroy();
            if (!python.waitFor(5, TimeUnit.SECONDS)) {
                python.destroyForcibly();
                python.waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (ours != null) {
            ours.close();
        }
    }

    /** The venv's interpreter: system property chordfs.python, else ../.venv/bin/python. Missing: fail. */
    static Path pythonPath() {
        String configured = System.getProperty("chordfs.python");
        Path p = configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.dir")).resolve("../.venv/bin/python").normalize();
        if (!Files.isExecutable(p)) {
            throw new AssertionError("no Python interpreter at " + p
                    + ": run scripts/setup-python at the repository root (it installs uploadserver==6.0.5 into .venv)");
        }
        return p;
    }

    /** Starts uploadserver (with these extra arguments) and our server (with these options) on fresh dirs. */
    void startBoth(FileServer.Options options, String... pyArgs) throws Exception {
        pyDir = tmp.resolve("py");
        Path ourDir = tmp.resolve("ours");
        Files.createDirectories(pyDir);
        Files.createDirectories(ourDir);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(pythonPath().toString(), "-m", "uploadserver",
                "--directory", pyDir.toString(), Integer.toString(port), "--bind", "127.0.0.1"));
        cmd.addAll(List.of(pyArgs));
        pyLog = tmp.resolve("uploadserver.log");
        python = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(pyLog.toFile()).start();
        py = URI.create("http://127.0.0.1:" + port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                Fixture.send(py, "GET", "/upload?ready", null);
                break;
            } catch (IOException e) {
                if (!python.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("uploadserver did not start: " + Files.readString(pyLog), e);
                }
                Thread.sleep(50);
            }
        }
        ours = Fixture.start(ourDir, 0, options);
    }

    void startBoth() throws Exception {
        startBoth(FileServer.Options.defaults());
    }

    /** One response from each: [uploadserver, ours]. */
    record Pair(HttpResponse<byte[]> py, HttpResponse<byte[]> ours) {
        void sameStatus(int expected, String what) {
            assertEquals(expected, py.statusCode(), "uploadserver: " + what);
            assertEquals(expected, ours.statusCode(), "ours: " + what);
        }

        void sameHeader(String name) {
            assertEquals(py.headers().firstValue(name), ours.headers().firstValue(name), name);
        }

        String pyText() {
            return new String(py.body(), StandardCharsets.UTF_8);
        }

        String ourText() {
            return new String(ours.body(), StandardCharsets.UTF_8);
        }
    }

    Pair both(String method, String path, byte[] body, String... headers) throws IOException {
        return new Pair(Fixture.send(py, method, path, body, headers), Fixture.send(ours.base, method, path, body, headers));
    }

    Pair upload(String method, Multipart.Builder mb, String... headers) throws IOException {
        String[] all = Stream.concat(Stream.of("Content-Type", mb.contentType()), Stream.of(headers)).toArray(String[]::new);
        return both(method, "/upload", mb.build(), all);
    }

    /** name -> bytes of what uploadserver stored. */
    TreeMap<String, String> pyStored() throws IOException {
        TreeMap<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(pyDir)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Fixture.sha256(Files.readAllBytes(p)));
            }
        }
        return m;
    }

    /** name -> bytes of what we stored (live objects). */
    TreeMap<String, String> ourStored() throws IOException {
        TreeMap<String, String> m = new TreeMap<>();
        for (String n : ours.liveNames()) {
            m.put(n, Fixture.sha256(ours.stored(n)));
        }
        return m;
    }

    void sameStored() throws IOException {
        assertEquals(pyStored(), ourStored(), "stored files");
    }

    @Test
    void uploadsDownloadsAndHeaders() throws Exception {
        startBoth();
        // one file
        upload("POST", Multipart.builder(B).file("files", "hello.txt", bytes("hello\n"))).sameStatus(204, "single file");
        // several files in one request, other fields ignored; larger than cgi's 1000-byte in-memory limit
        upload("POST", Multipart.builder(B)
                .field("note", "not a file")
                .file("files", "data.json", bytes("{\"a\": 1}"))
                .file("files", "pic.png", random(50_000, 1))
                .file("files", "blob.bin", random(3000, 2))).sameStatus(204, "multiple files");
        // PUT /upload
        upload("PUT", Multipart.builder(B).file("files", "page.html", bytes("<p>hi</p>"))).sameStatus(204, "PUT /upload");
        // a path in the file name: the base name only
        upload("POST", Multipart.builder(B).file("files", "../../etc/x.csv", bytes("a,b\n"))).sameStatus(204, "path in name");
        // a quoted name with spaces and non-ASCII
        upload("POST", Multipart.builder(B).file("files", "my file ü€ 😀.txt", bytes("u"))).sameStatus(204, "unicode name");
        sameStored();
        assertEquals(List.of("blob.bin", "data.json", "hello.txt", "my file ü€ 😀.txt", "page.html", "pic.png", "x.csv"),
                List.copyOf(ourStored().keySet()));

        for (String name : ourStored().keySet()) {
            String path = "/" + PercentCodec.quote(name);
            Pair get = both("GET", path, null);
            get.sameStatus(200, "GET " + name);
            assertArrayEquals(get.py().body(), get.ours().body(), name);
            get.sameHeader("Content-Type");
            get.sameHeader("Content-Length");
            assertTrue(get.ours().headers().firstValue("Last-Modified").isPresent());

            Pair head = both("HEAD", path, null);
            head.sameStatus(200, "HEAD " + name);
            head.sameHeader("Content-Type");
            head.sameHeader("Content-Length");
            assertEquals(0, head.ours().body().length);
            assertEquals(0, head.py().body().length);
        }

        // If-Modified-Since with each server's own Last-Modified: 304; with an older date: 200
        HttpResponse<byte[]> pyGet = Fixture.send(py, "GET", "/hello.txt", null);
        HttpResponse<byte[]> ourGet = ours.get("/hello.txt");
        String pyLm = pyGet.headers().firstValue("Last-Modified").orElseThrow();
        String ourLm = ourGet.headers().firstValue("Last-Modified").orElseThrow();
        assertEquals(304, Fixture.send(py, "GET", "/hello.txt", null, "If-Modified-Since", pyLm).statusCode());
        assertEquals(304, ours.get("/hello.txt", "If-Modified-Since", ourLm).statusCode());
        both("GET", "/hello.txt", null, "If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT").sameStatus(200, "IMS 1970");
        both("GET", "/hello.txt", null, "If-Modified-Since", "not a date").sameStatus(200, "IMS garbage");

        // missing
        Pair missing = both("GET", "/missing.txt", null);
        missing.sameStatus(404, "missing");
        missing.sameHeader("Content-Type");
        assertTrue(missing.pyText().contains("File not found") && missing.ourText().contains("File not found"));
        both("HEAD", "/missing.txt", null).sameStatus(404, "HEAD missing");

        // the listing: the same HTML, byte for byte, for the same files
        Pair list = both("GET", "/", null);
        list.sameStatus(200, "listing");
        list.sameHeader("Content-Type");
        assertEquals(list.pyText(), list.ourText());
    }

    @Test
    void uploadErrors() throws Exception {
        startBoth();
        Pair noField = upload("POST", Multipart.builder(B).field("other", "x"));
        noField.sameStatus(400, "no files field");
        assertTrue(noField.pyText().contains("Field \"files\" not found"), noField.pyText());
        assertTrue(noField.ourText().contains("Field &quot;files&quot; not found") || noField.ourText().contains("Field \"files\" not found"),
                noField.ourText());
        noField.sameHeader("Content-Type");

        Pair empty = upload("POST", Multipart.builder(B).file("files", "ok.txt", bytes("ok")).file("files", "", bytes("x")));
        empty.sameStatus(400, "empty file name");
        assertTrue(empty.pyText().contains("No files selected") && empty.ourText().contains("No files selected"));

        Pair other = both("POST", "/other", bytes("x"), "Content-Type", "text/plain");
        other.sameStatus(404, "POST /other");
        assertTrue(other.pyText().contains("Can only POST/PUT to /upload") && other.ourText().contains("Can only POST/PUT to /upload"));

        sameStored();
        assertTrue(pyStored().isEmpty());
    }

    @Test
    void uploadPage() throws Exception {
        startBoth();
        Pair page = both("GET", "/upload", null);
        page.sameStatus(200, "GET /upload");
        page.sameHeader("Content-Type");
        page.sameHeader("Content-Length");
        assertEquals(page.pyText(), page.ourText());
    }

    @Test
    void basicAuth() throws Exception {
        startBoth(FileServer.Options.defaults().withBasicAuth("user:pass", null), "--basic-auth", "user:pass");
        Pair none = both("GET", "/", null);
        none.sameStatus(401, "no credentials");
        none.sameHeader("WWW-Authenticate");
        assertEquals(Optional.of("Basic realm=\"uploadserver\""), none.ours().headers().firstValue("WWW-Authenticate"));
        both("GET", "/", null, "Authorization", HttpBitsTest.basic("user:wrong")).sameStatus(401, "bad password");
        both("GET", "/", null, "Authorization", HttpBitsTest.basic("other:pass")).sameStatus(401, "bad user");
        both("GET", "/", null, "Authorization", "Bearer x").sameStatus(401, "not basic");
        upload("POST", Multipart.builder(B).file("files", "a.txt", bytes("a"))).sameStatus(401, "upload without");
        sameStored();
        assertTrue(pyStored().isEmpty());
        both("GET", "/", null, "Authorization", HttpBitsTest.basic("user:pass")).sameStatus(200, "right credentials");
        upload("POST", Multipart.builder(B).file("files", "a.txt", bytes("a")), "Authorization", HttpBitsTest.basic("user:pass"))
                .sameStatus(204, "upload with");
        both("GET", "/a.txt", null, "Authorization", HttpBitsTest.basic("user:pass")).sameStatus(200, "download with");
        sameStored();
    }

    @Test
    void basicAuthUpload() throws Exception {
        startBoth(FileServer.Options.defaults().withBasicAuth(null, "up:load"), "--basic-auth-upload", "up:load");
        both("GET", "/", null).sameStatus(200, "downloads are open");
        Pair page = both("GET", "/upload", null);
        page.sameStatus(401, "the upload page needs the upload credentials");
        page.sameHeader("WWW-Authenticate");
        upload("POST", Multipart.builder(B).file("files", "a.txt", bytes("a"))).sameStatus(401, "upload without");
        upload("POST", Multipart.builder(B).file("files", "a.txt", bytes("a")), "Authorization", HttpBitsTest.basic("up:load"))
                .sameStatus(204, "upload with");
        both("GET", "/a.txt", null).sameStatus(200, "download without");
        sameStored();
    }

    @Test
    void deliberateDifferences() throws Exception {
        startBoth();
        // 1. re-upload: uploadserver renames, we replace
        upload("POST", Multipart.builder(B).file("files", "same.txt", bytes("v1"))).sameStatus(204, "first");
        upload("POST", Multipart.builder(B).file("files", "same.txt", bytes("v2"))).sameStatus(204, "second");
        assertEquals(List.of("same (1).txt", "same.txt"), List.copyOf(pyStored().keySet()));
        assertEquals(List.of("same.txt"), List.copyOf(ourStored().keySet()));
        assertArrayEquals(bytes("v1"), Files.readAllBytes(pyDir.resolve("same.txt")));
        assertArrayEquals(bytes("v2"), ours.stored("same.txt"));

        // 2. names: a path with a folder is a nested name here since issue 17, so a missing one is
        // 404 in both; a folder's own path (a listing there) is still a bad name here
        Pair sub = both("GET", "/sub/x", null);
        assertEquals(404, sub.py().statusCode());
        assertEquals(404, sub.ours().statusCode());
        assertEquals(400, both("GET", "/sub/", null).ours().statusCode());

        // 3. Range and ETag
        Pair range = both("GET", "/same.txt", null, "Range", "bytes=0-0");
        assertEquals(200, range.py().statusCode());
        assertEquals(206, range.ours().statusCode());
        assertArrayEquals(bytes("v"), range.ours().body());
        assertFalse(range.py().headers().firstValue("ETag").isPresent());
        assertEquals("\"" + Fixture.sha256(bytes("v2")) + "\"", range.ours().headers().firstValue("ETag").orElseThrow());

        // 4. PUT /name and DELETE are ours
        Pair put = both("PUT", "/raw.txt", bytes("raw"));
        assertEquals(404, put.py().statusCode());
        assertEquals(201, put.ours().statusCode());
        Pair del = both("DELETE", "/same.txt", null);
        assertEquals(501, del.py().statusCode());
        assertEquals(204, del.ours().statusCode());
        assertEquals(List.of("raw.txt"), List.copyOf(ourStored().keySet()));
    }

    @Test
    void headUnderBasicAuthIsCheckedHereOnly() throws Exception {
        startBoth(FileServer.Options.defaults().withBasicAuth("user:pass", null), "--basic-auth", "user:pass");
        Files.writeString(pyDir.resolve("f.txt"), "x");
        assertEquals(201, ours.send("PUT", "/f.txt", bytes("x"), "Authorization", HttpBitsTest.basic("user:pass")).statusCode());
        Pair head = both("HEAD", "/f.txt", null);
        assertEquals(200, head.py().statusCode(), "uploadserver does not check HEAD");
        assertEquals(401, head.ours().statusCode());
        assertEquals(Duration.ZERO.toMillis(), head.ours().body().length);
    }
}
