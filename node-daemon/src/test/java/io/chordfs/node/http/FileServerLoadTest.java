package io.chordfs.node.http;

import io.chordfs.node.route.LocalRouter;
import io.chordfs.node.route.ObjectRouter;
import io.chordfs.node.store.Committed;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.chordfs.node.http.Fixture.bytes;
import static io.chordfs.node.http.Fixture.random;
import static io.chordfs.node.http.Fixture.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Concurrency, idle connections, overload and stalled clients. */
class FileServerLoadTest {
    static final String B = "----chordfsLoadBoundary";

    @TempDir
    Path dir;
    Fixture f;
    final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (f != null) {
            f.close();
        }
    }

    /**
     * 16 threads upload (multipart and PUT) and download one shared name and their own names at
     * once. Every download is one whole version: its SHA-256 is that of a content written to
     * that name, and matches the ETag the same response carries.
     */
    @Test
    void parallelUploadsAndDownloadsNeverTear() throws Exception {
        f = Fixture.start(dir, 0, FileServer.Options.defaults());
        int threads = 16;
        int rounds = 4;
        // multi-block contents (1 MiB blocks) so a torn read would mix versions
        List<byte[]> shared = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            shared.add(random((1 << 20) + 1000 * (i + 1), 100 + i));
        }
        Set<String> sharedShas = ConcurrentHashMap.newKeySet();
        shared.forEach(b -> sharedShas.add(sha256(b)));
        assertEquals(201, f.send("PUT", "/shared.bin", shared.get(0)).statusCode());
        Map<String, Set<String>> ownShas = new ConcurrentHashMap<>();
        AtomicInteger reads = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            futures.add(pool.submit(() -> {
                go.await();
                String own = "own-" + id + ".bin";
                Set<String> mine = ownShas.computeIfAbsent(own, k -> ConcurrentHashMap.newKeySet());
                for (int r = 0; r < rounds; r++) {
                    byte[] content = shared.get((id + r) % shared.size());
                    int status = (id + r) % 2 == 0
                            ? f.upload(Multipart.builder(B).file("files", "shared.bin", content)).statusCode()
                            : f.send("PUT", "/shared.bin", content).statusCode();
                    assertTrue(status == 204 || status == 201, "upload of shared: " + status);
                    byte[] ownContent = random(20_000 + id * 100 + r, id * 1000L + r);
                    mine.add(sha256(ownContent));
                    int s2 = f.upload(Multipart.builder(B).file("files", own, ownContent)).statusCode();
                    assertEquals(204, s2);
                    for (String name : new String[] {"shared.bin", own, "own-" + ((id + 1) % threads) + ".bin"}) {
                        HttpResponse<byte[]> g = f.get("/" + name);
                        if (g.statusCode() == 404 && !name.equals("shared.bin") && !name.equals(own)) {
                            continue; // the neighbour has not uploaded yet
                        }
                        assertEquals(200, g.statusCode(), name);
                        String got = sha256(g.body());
                        assertEquals("\"" + got + "\"", g.headers().firstValue("ETag").orElseThrow(), "ETag matches the bytes");
                        assertEquals(Long.toString(g.body().length), g.headers().firstValue("Content-Length").orElseThrow());
                        if (name.equals("shared.bin")) {
                            assertTrue(sharedShas.contains(got), "a whole version of shared.bin");
                        } else {
                            Set<String> written = ownShas.get(name);
                            assertTrue(written != null && written.contains(got), "a whole version of " + name);
                        }
                        reads.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> fu : futures) {
            fu.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(reads.get() >= threads * rounds * 2, "reads done: " + reads.get());
        assertEquals(threads + 1, f.liveNames().size());
        assertTrue(sharedShas.contains(sha256(f.stored("shared.bin"))));
        assertEquals(List.of(), f.tempFiles());
    }

    /** Silent and idle keep-alive connections take no worker: with 60 of them open and 1 worker, the server answers at once. */
    @Test
    void idleConnectionsDoNotStarveTheServer() throws Exception {
        f = Fixture.start(dir, 0, FileServer.Options.defaults().withHost(HostLimits.defaults().withWorkers(1, 1)));
        assertEquals(201, f.send("PUT", "/x.txt", bytes("x")).statusCode());
        for (int i = 0; i < 50; i++) {
            sockets.add(new Socket("127.0.0.1", f.port()));
        }
        // and 10 that finished a request and stay open (keep-alive idle)
        for (int i = 0; i < 10; i++) {
            Socket s = new Socket("127.0.0.1", f.port());
            sockets.add(s);
            s.setSoTimeout(5000);
            s.getOutputStream().write(bytes("GET /x.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
            String head = readHead(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            HttpResponse<byte[]> r = f.get("/x.txt");
            assertEquals(200, r.statusCode());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3000, "10 GETs took " + ms + " ms with 60 idle connections open");
    }

    static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        return sb.toString();
    }

    /**
     * Uploads whose clients stop sending mid-body hold no worker: with the only worker free, a
     * GET is answered at once while they hang. Each is cut off once its body has not moved for
     * the stall period; nothing of them is stored, no temp file stays.
     */
    @Test
    void stalledUploadsHoldNoWorkerAndAreCutOff() throws Exception {
        Duration stall = Duration.ofMillis(800);
        f = Fixture.start(dir, 0, FileServer.Options.defaults().withHost(HostLimits.defaults().withWorkers(1, 1)
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), stall, Duration.ofSeconds(30))));
        assertEquals(201, f.send("PUT", "/x.txt", bytes("x")).statusCode());
        for (int i = 0; i < 2; i++) {
            Socket s = new Socket("127.0.0.1", f.port());
            sockets.add(s);
            s.getOutputStream().write(bytes("PUT /stalled-" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                    + "Expect: 100-continue\r\n\r\n"));
            s.getOutputStream().flush();
            s.setSoTimeout(10_000);
            String head = readHead(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 100"), "the handler asked for the body: " + head);
            s.getOutputStream().write(bytes("0123456789"));
            s.getOutputStream().flush();
        }
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = f.get("/x.txt");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, r.statusCode());
        assertTrue(ms < stall.toMillis(), "answered at once, in " + ms + " ms");
        for (Socket s : sockets) {
            String rest = new String(Fixture.readUntilClose(s.getInputStream()), StandardCharsets.ISO_8859_1);
            assertEquals("", rest, "cut off without an answer");
        }
        long closedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(closedMs >= stall.toMillis() - 100, "not before the stall period: " + closedMs);
        assertEquals(List.of("x.txt"), f.liveNames(), "nothing of the stalled uploads is stored");
        assertEquals(List.of(), f.tempFiles());
    }

    /**
     * When every worker is busy (a store call that does not return) and the request queue is
     * full, a new request gets 503 with Retry-After at once (never an unbounded queue); once the
     * store answers, everything waiting is served.
     */
    @Test
    void overloadGets503AtOnce() throws Exception {
        ObjectStore store = ObjectStore.open(dir, 0);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        ObjectRouter local = new LocalRouter(store);
        ObjectRouter slow = new ObjectRouter() {
            @Override
            public Committed commit(StagedWrite staged) throws IOException {
                return local.commit(staged);
            }

            @Override
            public Optional<ObjectSource> open(String name) throws IOException {
                if (name.startsWith("slow")) {
                    entered.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                return local.open(name);
            }

            @Override
            public boolean delete(String name) throws IOException {
                return local.delete(name);
            }
        };
        f = Fixture.start(dir, store, slow, FileServer.Options.defaults().withHost(HostLimits.defaults().withWorkers(1, 1)));
        assertEquals(201, f.send("PUT", "/x.txt", bytes("x")).statusCode());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<HttpResponse<byte[]>> first = pool.submit(() -> f.get("/slow-1"));
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            Future<HttpResponse<byte[]>> queued = pool.submit(() -> f.get("/x.txt"));
            HttpResponse<byte[]> busy = null;
            for (int i = 0; i < 50 && (busy == null || busy.statusCode() != 503); i++) {
                Thread.sleep(20); // until the queued request has reached the queue
                long t0 = System.nanoTime();
                busy = f.get("/x.txt");
                assertTrue((System.nanoTime() - t0) / 1_000_000 < 1000, "503 comes at once");
            }
            assertEquals(503, busy.statusCode(), "the worker and the queue are full");
            assertEquals("1", busy.headers().firstValue("Retry-After").orElseThrow());
            release.countDown();
            assertEquals(404, first.get(10, TimeUnit.SECONDS).statusCode());
            assertEquals(200, queued.get(10, TimeUnit.SECONDS).statusCode());
            assertEquals(200, f.get("/x.txt").statusCode());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    /**
     * A client that stops reading a download holds no worker: the next GET is answered at once;
     * the stalled one is cut off after the write timeout, and what it received is correct.
     */
    @Test
    void stalledDownloadHoldsNoWorkerAndIsCutOff() throws Exception {
        Duration write = Duration.ofMillis(800);
        f = Fixture.start(dir, 0, FileServer.Options.defaults().withHost(HostLimits.defaults().withWorkers(1, 1)
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30), write)));
        byte[] big = random(24 << 20, 11);
        assertEquals(201, f.send("PUT", "/big.bin", big).statusCode());
        Socket s = new Socket();
        sockets.add(s);
        s.setReceiveBufferSize(16 * 1024);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", f.port()));
        OutputStream out = s.getOutputStream();
        out.write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        byte[] status = in.readNBytes(12);
        assertEquals("HTTP/1.1 200", new String(status, StandardCharsets.ISO_8859_1));
        // verified blocks go from the page cache: the stalled answer holds no buffer of ours (from
        // memory it would hold a block or more until the write timeout cuts it)
        long until = System.nanoTime() + 300_000_000L;
        while (f.server.answerBytesHeld() != 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(0, f.server.answerBytesHeld(), "answer bytes held for the stalled client");
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = f.get("/big.bin", "Range", "bytes=0-9");
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(206, r.statusCode());
        assertTrue(waited < write.toMillis(), "answered at once: " + waited + " ms");

        // the stalled client gets a truncated response, every byte of it correct
        Thread.sleep(write.toMillis() * 3);
        byte[] rest = Fixture.readUntilClose(in);
        byte[] got = new byte[status.length + rest.length];
        System.arraycopy(status, 0, got, 0, status.length);
        System.arraycopy(rest, 0, got, status.length, rest.length);
        int bodyStart = indexOf(got, bytes("\r\n\r\n")) + 4;
        int received = got.length - bodyStart;
        assertTrue(received < big.length, "truncated: " + received);
        assertArrayEquals(java.util.Arrays.copyOf(big, received), java.util.Arrays.copyOfRange(got, bodyStart, got.length));
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
