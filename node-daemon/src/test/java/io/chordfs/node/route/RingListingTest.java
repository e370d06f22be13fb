package io.chordfs.node.route;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.http.FileServer;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gathering and merging of a whole-ring listing, against stand-in members on real sockets:
 * members that answer, that answer late or never, and that hold objects a real store would refuse
 * today (chunk objects under {@code .chordfs/up/}, which the store does not accept yet).
 */
class RingListingTest {
    private static final String SHA = "ab".repeat(32);
    private static final String CHUNK = ObjectNames.chunkObject("big.iso_chunk_1", "upload-0000000001").objectName();

    @TempDir
    Path dir;
    private final String prefix = "127." + ThreadLocalRandom.current().nextInt(100, 255) + "."
            + ThreadLocalRandom.current().nextInt(0, 256) + ".";
    private final List<AutoCloseable> open = Collections.synchronizedList(new ArrayList<>());
    /** Released at the end, so stalled stand-ins stop. */
    private final CountDownLatch done = new CountDownLatch(1);
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stand-in");
        t.setDaemon(true);
        return t;
    });
    private int nextIp = 1;
    private ObjectStore store;

    @BeforeEach
    void openStore() throws Exception {
        store = ObjectStore.open(dir.resolve("self"), 0);
        open.add(store);
    }

    @AfterEach
    void closeAll() throws Exception {
        done.countDown();
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        handlers.shutdownNow();
    }

    @Test
    void theNewestVersionOfEachNameWinsAndATombstoneHidesIt() throws Exception {
        put("a.txt", 10, "here, older");
        put("mine.txt", 5, "only here");
        store.delete("deleted.txt", 30, 1);
        NodeRef m1 = member(Duration.ZERO, meta("a.txt", 20, false, 7), meta("deleted.txt", 25, false, 1),
                meta("gone.txt", 5, false, 1), meta("back.txt", 3, true, 0));
        NodeRef m2 = member(Duration.ZERO, meta("gone.txt", 9, true, 0), meta("back.txt", 4, false, 2),
                meta("a.txt", 15, false, 3));
        RingListing.Listing l = listing(List.of(m1, m2), Duration.ofSeconds(5), 100).ring(false);
        assertEquals(List.of("a.txt", "back.txt", "mine.txt"), names(l));
        assertEquals(20, l.objects().get(0).version(), "the highest version, from whichever member has it");
        assertEquals(7, l.objects().get(0).size());
        assertEquals(3, l.nodes());
        assertEquals(List.of(), l.unanswered());
        assertTrue(l.wholeRing());
        assertEquals(0, l.cutAt());
    }

    @Test
    void chunkObjectsAreHiddenUnlessAskedForAndSayWhichFileTheyBelongTo() throws Exception {
        put("big.iso", 3, "the manifest");
        NodeRef m = member(Duration.ZERO, meta(CHUNK, 2, false, 1_048_576), meta("other.txt", 4, false, 1));
        RingListing listing = listing(List.of(m), Duration.ofSeconds(5), 100);
        assertEquals(List.of("big.iso", "other.txt"), names(listing.ring(false)));
        assertEquals(List.of(CHUNK, "big.iso", "other.txt"), names(listing.ring(true)));

        try (Served s = serve(listing)) {
            String json = s.get("/", "application/json").body();
            assertFalse(json.contains(".chordfs"), json);
            assertTrue(json.startsWith("[{\"name\":\"big.iso\",\"size\":12,\"modified\":\""), json);
            String all = s.get("/?all=1", "application/json").body();
            assertTrue(all.startsWith("[{\"name\":\"" + CHUNK + "\",\"size\":1048576,\"modified\":\"1970-01-01T00:00:00Z\",\"sha256\":\""
                    + SHA + "\",\"version\":2,\"chunk_of\":\"big.iso\"},{\"name\":\"big.iso\""), all);
            assertFalse(all.substring(all.indexOf("big.iso\",")).contains("chunk_of"), "only chunk objects have chunk_of: " + all);
            String html = s.get("/?all=1", "text/html").body();
            assertTrue(html.contains("<li>" + CHUNK + " (chunk of <a href=\"big.iso\">big.iso</a>)</li>"), html);
            assertFalse(s.get("/", "text/html").body().contains(".chordfs"));
            // this node's own copies only
            String local = s.get("/?local=1&all=1", "application/json").body();
            assertTrue(local.startsWith("[{\"name\":\"big.iso\"") && !local.contains("other.txt"), local);
        }
    }

    /** Members that never answer, stall half way or refuse cost one timeout together, and the rest is listed. */
    @Test
    void deadAndSlowMembersCostOneTimeoutInParallelAndTheRestIsListed() throws Exception {
        put("here.txt", 1, "x");
        NodeRef good = member(Duration.ZERO, meta("there.txt", 2, false, 1));
        NodeRef hole1 = blackHole();
        NodeRef hole2 = blackHole();
        NodeRef stalls = stalls();
        NodeRef refuses = refuses();
        NodeRef late = member(Duration.ofSeconds(30), meta("late.txt", 3, false, 1));
        RingListing listing = listing(List.of(hole1, good, hole2, stalls, refuses, late), Duration.ofSeconds(1), 100);
        long start = System.nanoTime();
        RingListing.Listing l = listing.ring(false);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 900 && ms < 2_500, "one timeout for all of them, not one each: " + ms + " ms");
        assertEquals(List.of("here.txt", "there.txt"), names(l));
        assertEquals(2, l.nodes());
        assertEquals(List.of(hole1, hole2, stalls, refuses, late), l.unanswered());

        try (Served s = serve(listing)) {
            HttpResponse<String> r = s.get("/", "text/html");
            assertEquals(200, r.statusCode());
            assertEquals("2", r.headers().firstValue("X-ChordFS-Listing-Nodes").orElseThrow());
            String unanswered = r.headers().firstValue("X-ChordFS-Listing-Unanswered").orElseThrow();
            assertTrue(unanswered.startsWith(hole1.ip() + ":" + (hole1.port() + 1) + ", "), unanswered);
            assertTrue(r.body().contains("<p>5 node(s) did not answer (" + unanswered + "): a file whose every copy is on "
                    + "them is not listed.</p>\n<ul>\n"), r.body());
            assertTrue(r.body().contains("<li><a href=\"there.txt\">there.txt</a></li>"), r.body());
        }
    }

    @Test
    void pastTheCapTheFirstNamesInListingOrderAreKeptAndTheListingSaysItIsCut() throws Exception {
        put("b", 1, "b");
        put("D", 1, "d");
        // out of order, and with a tombstone among them: it still hides an older copy
        NodeRef m = member(Duration.ZERO, meta("E", 1, false, 1), meta("c", 1, false, 1), meta("a", 1, false, 1),
                meta("B2", 1, false, 1));
        NodeRef m2 = member(Duration.ZERO, meta("a", 5, true, 0), meta("zz", 1, false, 1));
        RingListing listing = listing(List.of(m, m2), Duration.ofSeconds(5), 4);
        RingListing.Listing l = listing.ring(false);
        assertEquals(List.of("b", "B2", "c"), names(l), "a (deleted), b, B2, c are the first 4 names");
        assertEquals(4, l.cutAt());
        assertEquals(0, listing(List.of(m, m2), Duration.ofSeconds(5), 7).ring(false).cutAt(), "7 names fit in 7");

        try (Served s = serve(listing)) {
            HttpResponse<String> r = s.get("/", "text/html");
            assertEquals("4", r.headers().firstValue("X-ChordFS-Listing-Cut").orElseThrow());
            assertTrue(r.body().contains("<p>The listing is cut at 4 names: names after the last one shown are not listed.</p>"),
                    r.body());
            HttpResponse<String> j = s.get("/", "application/json");
            assertTrue(j.body().startsWith("[{\"name\":\"b\""), "the JSON keeps its shape: " + j.body());
        }
    }

    /** However many ask at once, one gather runs at a time, and each starts after the requests it answers. */
    @Test
    void concurrentRequestsShareGathers() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        NodeRef m = member(Duration.ofMillis(300), asked, meta("x.txt", 1, false, 1));
        RingListing listing = listing(List.of(m), Duration.ofSeconds(5), 100);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<RingListing.Listing>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(clients.submit(() -> listing.ring(false)));
            }
            for (Future<RingListing.Listing> a : answers) {
                assertEquals(List.of("x.txt"), names(a.get()));
            }
        } finally {
            clients.shutdownNow();
        }
        assertTrue(asked.get() <= 2, "8 concurrent requests made " + asked.get() + " gathers");
        int before = asked.get();
        listing.ring(false);
        assertEquals(before + 1, asked.get(), "a request after the others gets a gather of its own");
    }

    // ------------------------------------------------------------------------------------ helpers

    private RingListing listing(List<NodeRef> peers, Duration timeout, int max) {
        RingListing l = new RingListing(store, new PeerClient(io.chordfs.core.chord.ClusterSecret.NONE, store.clock()), () -> new RingListing.Walk(peers, List.of(), true),
                timeout, max);
        open.add(l);
        return l;
    }

    private void put(String name, long version, String content) throws Exception {
        try (StagedWrite w = store.stage(name)) {
            w.out().write(content.getBytes(StandardCharsets.UTF_8));
            w.out().close();
            w.commit(version, 1000, null);
        }
    }

    private static ObjectMeta meta(String name, long version, boolean tombstone, long size) {
        return new ObjectMeta(name, ObjectNames.placementKey(name), size, tombstone ? "" : SHA, version, tombstone, 0,
                1 << 20, List.of(1L, 2L));
    }

    private static List<String> names(RingListing.Listing l) {
        return l.objects().stream().map(ObjectMeta::name).toList();
    }

    private String ip() {
        return prefix + nextIp++;
    }

    /** A node ref whose transfer port (chord port + 2) is {@code peerPort}. */
    private static NodeRef ref(String ip, int peerPort) {
        return new NodeRef(ip, peerPort - 2, Keys.key(ip + ":" + peerPort));
    }

    private NodeRef member(Duration delay, ObjectMeta... objects) throws Exception {
        return member(delay, new AtomicInteger(), objects);
    }

    /** A stand-in member whose transfer port answers {@code GET /objects} with {@code objects} after {@code delay}. */
    private NodeRef member(Duration delay, AtomicInteger asked, ObjectMeta... objects) throws Exception {
        byte[] body = new ObjectMapper().writeValueAsBytes(List.of(objects));
        return answering(ex -> {
            asked.incrementAndGet();
            done.await(delay.toMillis(), TimeUnit.MILLISECONDS);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        });
    }

    /** Sends the head and the first byte of its answer, then nothing until the test ends. */
    private NodeRef stalls() throws Exception {
        return answering(ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write('[');
            out.flush();
            done.await();
        });
    }

    /** An exchange a stand-in member answers; it may wait for the test to end. */
    private interface Answer {
        void answer(com.sun.net.httpserver.HttpExchange ex) throws IOException, InterruptedException;
    }

    /** A stand-in member whose listing endpoint answers as {@code answer} does. */
    private NodeRef answering(Answer answer) throws Exception {
        String ip = ip();
        HttpServer s = HttpServer.create(new InetSocketAddress(ip, 0), 16);
        s.setExecutor(handlers);
        s.createContext("/objects", ex -> {
            try {
                answer.answer(ex);
            } catch (InterruptedException | IOException e) {
                // the test is over, or the listing gave up on us
            } finally {
                ex.close();
            }
        });
        s.start();
        open.add(() -> s.stop(0));
        return ref(ip, s.getAddress().getPort());
    }

    /** Accepts connections (the kernel does, from its backlog) and never reads or answers. */
    private NodeRef blackHole() throws Exception {
        String ip = ip();
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName(ip));
        open.add(s);
        return ref(ip, s.getLocalPort());
    }

    /** Nothing listens there. */
    private NodeRef refuses() throws Exception {
        String ip = ip();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(ip))) {
            port = s.getLocalPort();
        }
        return ref(ip, port);
    }

    /** A file server on this node's store that lists with {@code listing}. */
    private Served serve(RingListing listing) throws Exception {
        FileServer fs = FileServer.start(new InetSocketAddress(ip(), 0), store, new LocalRouter(store), listing,
                FileServer.Options.defaults());
        return new Served(fs);
    }

    private record Served(FileServer server) implements AutoCloseable {
        HttpResponse<String> get(String path, String accept) throws Exception {
            InetSocketAddress a = server.address();
            URI uri = URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + path);
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).header("Accept", accept)
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        }

        @Override
        public void close() {
            server.close();
        }
    }
}
