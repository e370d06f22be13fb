package io.chordfs.node.http;

import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.chordfs.node.http.Fixture.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests that need a JVM of their own: a heap too small to hold an upload, and the JDK HttpServer's
 * JVM-wide properties (read once per JVM, so they cannot be set inside the shared test JVM).
 */
class FileServerChildJvmTest {
    static final String B = "----chordfsChildBoundary";

    @TempDir
    Path dir;
    Process child;
    Path childLog;
    final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        stopChild();
    }

    void stopChild() throws Exception {
        if (child != null) {
            child.getOutputStream().close();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
            child = null;
        }
    }

    int startChild(String... jvmArgs) throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        childLog = dir.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-Xshare:auto", "-cp", cp, ChildServer.class.getName(), data.toString()));
        child = new ProcessBuilder(cmd).redirectError(childLog.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String first = line.get(30, TimeUnit.SECONDS);
        if (first == null || !first.startsWith("PORT ")) {
            throw new AssertionError("child server did not start: " + first + "\n" + Files.readString(childLog));
        }
        return Integer.parseInt(first.substring(5).strip());
    }

    /**
     * A 64 MiB multipart upload into a server whose whole heap is 32 MiB: it can only succeed if
     * the part streams to disk. Stored and served back with the exact SHA-256.
     */
    @Test
    void largeUploadFitsInASmallHeap() throws Exception {
        int port = startChild("-Xmx32m", "-XX:+UseSerialGC");
        URI base = URI.create("http://127.0.0.1:" + port);
        long size = 64L << 20;
        byte[] head = ("--" + B + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.bin\"\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = ("\r\n--" + B + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        Multipart.GeneratedBody body = new Multipart.GeneratedBody(head, size, tail, 99, sent);
        HttpResponse<String> r = Fixture.HTTP.send(HttpRequest.newBuilder(base.resolve("/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + B)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), body.length()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode(), r.body() + "\n" + Files.readString(childLog));
        String expected = HexFormat.of().formatHex(sent.digest());

        HttpResponse<InputStream> down = Fixture.HTTP.send(HttpRequest.newBuilder(base.resolve("/big.bin")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, down.statusCode());
        Fixture.assertStreamed(down.body(), size, expected);

        stopChild();
        try (ObjectStore store = ObjectStore.open(dir.resolve("data"), 0)) {
            ObjectMeta meta = store.meta("big.bin").orElseThrow();
            assertEquals(size, meta.size());
            assertEquals(expected, meta.sha256());
        }
    }

    /**
     * What the JDK's own limits do, as documented in FileServer: a silent new connection is closed
     * after idleInterval; a client trickling its request head holds a worker until maxReqTime,
     * then is closed, and the server recovers; a head over maxReqHeaderSize is dropped without an
     * answer. And TCP_NODELAY is on: keep-alive GETs take ~1 ms, not Nagle's ~40.
     */
    @Test
    void jdkLimitsAndNoDelay() throws Exception {
        int port = startChild("-Dsun.net.httpserver.idleInterval=1", "-Dsun.net.httpserver.clockTick=200",
                "-Dsun.net.httpserver.maxReqTime=1", "-Dsun.net.httpserver.maxReqHeaderSize=8192");
        URI base = URI.create("http://127.0.0.1:" + port);
        assertEquals(201, Fixture.send(base, "PUT", "/tiny", bytes("t")).statusCode());

        // TCP_NODELAY: keep-alive round trips of a tiny file
        for (int i = 0; i < 30; i++) { // warm up the child's JIT
            Fixture.send(base, "GET", "/tiny", null);
        }
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            assertEquals(200, Fixture.send(base, "GET", "/tiny", null).statusCode());
            times.add((System.nanoTime() - t0) / 1_000_000);
        }
        times.sort(null);
        assertTrue(times.get(10) < 30, "median GET " + times.get(10) + " ms: Nagle is on? " + times);

        // 3 silent connections, and 6 trickling heads (the child has 4 workers, queue 8)
        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = new Socket("127.0.0.1", port);
            sockets.add(s);
            silent.add(s);
        }
        List<Socket> trickle = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Socket s = new Socket("127.0.0.1", port);
            sockets.add(s);
            trickle.add(s);
            s.getOutputStream().write(bytes("GET /tiny HTTP/1.1\r\nHost: x\r\n"));
            s.getOutputStream().flush();
        }
        long t0 = System.nanoTime();
        for (Socket s : silent) {
            assertClosedWithin(s, 6000);
        }
        long silentMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(silentMs < 6000, "silent connections closed after " + silentMs + " ms");
        for (Socket s : trickle) {
            assertClosedWithin(s, 8000);
        }
        HttpResponse<byte[]> ok = Fixture.send(base, "GET", "/tiny", null);
        assertEquals(200, ok.statusCode(), "the server recovered");

        // a head over the JDK's maxReqHeaderSize: closed without an answer
        byte[] got = Fixture.raw(port, bytes("GET /tiny HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n"),
                Duration.ofSeconds(10));
        assertEquals("", new String(got, StandardCharsets.ISO_8859_1));
    }

    static void assertClosedWithin(Socket s, int ms) throws IOException {
        s.setSoTimeout(ms);
        try {
            int r = s.getInputStream().read();
            assertEquals(-1, r, "closed without an answer");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after " + ms + " ms", e);
        } catch (IOException e) {
            // reset: closed
        }
    }
}
