package io.chordfs.core.net;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HttpPut against a real HTTP server on loopback (its deadline is tested through PeerClientTest). */
class HttpPutTest {
    private HttpServer server;

    private URI start(int status, Map<String, String> answerHeaders, AtomicReference<byte[]> received) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                received.set(in.readAllBytes());
            }
            answerHeaders.forEach(ex.getResponseHeaders()::set);
            byte[] body = ("answer " + status).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/x");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static HttpPut.Answer put(URI uri, byte[] body) throws IOException {
        return HttpPut.send("PUT x", uri, body.length, Map.of("X-Test", "1"), out -> out.write(body),
                Duration.ofSeconds(5), Duration.ofSeconds(20), 1024);
    }

    @Test
    void sendsTheBodyAndReturnsTheStatusAndAnswer() throws IOException {
        AtomicReference<byte[]> got = new AtomicReference<>();
        URI uri = start(201, Map.of("X-ChordFS-Sha256", "abc"), got);
        byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
        HttpPut.Answer a = put(uri, body);
        assertEquals(201, a.code());
        assertEquals("answer 201", a.body());
        assertArrayEquals(body, got.get());
        // the JDK server sends "X-chordfs-sha256": names match in any case
        assertEquals(java.util.Optional.of("abc"), a.header(HttpPut.BODY_SHA256));
        assertTrue(a.header("X-Absent").isEmpty());
    }

    @Test
    void aFileBodySendsExactlyItsSizeAndFailsIfTheFileIsShorter(@TempDir Path dir) throws IOException {
        AtomicReference<byte[]> got = new AtomicReference<>();
        URI uri = start(201, Map.of(), got);
        byte[] content = new byte[200_000];
        new java.util.Random(3).nextBytes(content);
        Path f = Files.write(dir.resolve("f"), content);
        long size = 150_001;
        HttpPut.Answer a = HttpPut.send("PUT f", uri, size, Map.of(), HttpPut.Body.of(f, size), Duration.ofSeconds(5),
                Duration.ofSeconds(20), 1024);
        assertEquals(201, a.code());
        assertArrayEquals(java.util.Arrays.copyOf(content, (int) size), got.get(), "a file that grew sends the size it had");
        IOException e = assertThrows(IOException.class, () -> HttpPut.send("PUT f", uri, 300_000, Map.of(),
                HttpPut.Body.of(f, 300_000), Duration.ofSeconds(5), Duration.ofSeconds(20), 1024));
        assertTrue(e.getMessage().contains("ended after 200000 of 300000 bytes"), e.getMessage());
    }

    @Test
    void anErrorStatusIsReturnedWithItsBody() throws IOException {
        URI uri = start(422, Map.of(), new AtomicReference<>());
        HttpPut.Answer a = put(uri, new byte[100]);
        assertEquals(422, a.code());
        assertEquals("answer 422", a.body());
    }

    /** In streaming mode HttpURLConnection cannot answer a 401 challenge itself; the caller gets the status. */
    @Test
    void anAuthenticationChallengeIsReturnedAsA401() throws IOException {
        URI uri = start(401, Map.of("WWW-Authenticate", "Basic realm=\"x\""), new AtomicReference<>());
        assertEquals(401, put(uri, new byte[10]).code());
    }

    @Test
    void aPacedBodyMayWaitForItsBytesButAServerThatStopsReadingIsCutOff() throws Exception {
        AtomicReference<byte[]> received = new AtomicReference<>();
        URI uri = start(200, Map.of(), received);
        byte[] slow = "slow but moving".getBytes(StandardCharsets.UTF_8);
        // the body waits longer than the stall limit between its writes: that is the sender's pace, not a stall
        HttpPut.Answer a = HttpPut.sendPaced("PUT x", uri, slow.length, Map.of(), out -> {
            out.write(slow, 0, 4);
            out.flush();
            sleep(700);
            out.write(slow, 4, slow.length - 4);
        }, Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofSeconds(5), 1024);
        assertEquals(200, a.code());
        assertArrayEquals(slow, received.get());

        try (java.net.ServerSocket deaf = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            URI never = URI.create("http://127.0.0.1:" + deaf.getLocalPort() + "/x");
            byte[] big = new byte[64 << 20];
            long start = System.nanoTime();
            assertThrows(java.net.http.HttpTimeoutException.class, () -> HttpPut.sendPaced("PUT x", never, big.length,
                    Map.of(), out -> out.write(big), Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofSeconds(5), 1024));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(30).toNanos(), "cut off after the stall, not hung");
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
