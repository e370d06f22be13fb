package io.chordfs.node.http;

import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.peer.PeerClient;
import io.chordfs.node.peer.PeerHeaders;
import io.chordfs.node.route.OwnerWrites;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node-to-node endpoint over real sockets. */
class PeerServerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<NodeRef> handedTo = new ArrayList<>();
    private volatile boolean member = true;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** This test's server as the ring knows it: what proofs of requests to it name. */
    private NodeRef self;
    private ObjectStore store;

    private String start(Path dir, String secret) throws Exception {
        store = ObjectStore.open(dir, 0);
        open.add(store);
        ObjectStore store = this.store;
        OwnerWrites owner = new OwnerWrites() {
            @Override
            public io.chordfs.node.store.Committed write(io.chordfs.node.store.StagedWrite staged)
                    throws java.io.IOException {
                ObjectMeta meta = staged.commit(store.nextVersion(), System.currentTimeMillis(), null);
                return new io.chordfs.node.store.Committed(meta, staged.created());
            }

            @Override
            public java.util.Optional<ObjectMeta> delete(String name) throws java.io.IOException {
                return java.util.Optional.of(store.delete(name, store.nextVersion(), System.currentTimeMillis()));
            }
        };
        // The transfer port is P + 2; a node reached on port Q + 2 is the NodeRef with Chord port Q.
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int peerPort = probe.getLocalPort();
            self = new NodeRef("127.0.0.1", peerPort - 2, 77);
            probe.close();
            PeerServer server = PeerServer.start(new InetSocketAddress("127.0.0.1", peerPort), HostLimits.defaults(),
                    null, store, owner, n -> {
                        handedTo.add(n);
                        return List.of("moved.txt");
                    }, () -> member, io.chordfs.core.chord.ClusterSecret.of(secret), self);
            open.add(0, server);
            return "http://127.0.0.1:" + server.address().getPort();
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void objectsTravelWithTheirMetadata(@TempDir Path dir) throws Exception {
        String base = start(dir, null);
        HttpResponse<String> put = send(HttpRequest.newBuilder(URI.create(base + "/objects/a%20b.txt"))
                .header("X-ChordFS-Version", "42").header("X-ChordFS-Modified", "1000")
                .PUT(HttpRequest.BodyPublishers.ofString("hello")));
        assertEquals(200, put.statusCode(), put.body());
        ObjectMeta meta = PeerHeaders.JSON.readValue(put.body(), ObjectMeta.class);
        assertEquals(42, meta.version());
        assertEquals("a b.txt", meta.name());

        HttpResponse<String> get = send(HttpRequest.newBuilder(URI.create(base + "/objects/a%20b.txt")));
        assertEquals(200, get.statusCode());
        assertEquals("hello", get.body());
        assertEquals("42", get.headers().firstValue("X-ChordFS-Version").orElseThrow());
        assertEquals(meta.sha256(), get.headers().firstValue("X-ChordFS-Sha256").orElseThrow());

        // An older version loses; a checksum that does not match the bytes is refused.
        send(HttpRequest.newBuilder(URI.create(base + "/objects/a%20b.txt")).header("X-ChordFS-Version", "41")
                .PUT(HttpRequest.BodyPublishers.ofString("stale")));
        assertEquals("hello", send(HttpRequest.newBuilder(URI.create(base + "/objects/a%20b.txt"))).body());
        HttpResponse<String> bad = send(HttpRequest.newBuilder(URI.create(base + "/objects/c.txt"))
                .header("X-ChordFS-Sha256", "00".repeat(32)).PUT(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(422, bad.statusCode());
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(base + "/objects/c.txt"))).statusCode());

        // A versioned delete records a tombstone even for a name never seen, so deletes travel.
        HttpResponse<String> del = send(HttpRequest.newBuilder(URI.create(base + "/objects/gone.txt"))
                .header("X-ChordFS-Version", "7").DELETE());
        assertEquals(200, del.statusCode(), del.body());
        assertTrue(PeerHeaders.JSON.readValue(del.body(), ObjectMeta.class).tombstone());

        long k = Keys.key("a b.txt");
        long before = Ring.add(k, Ring.MASK);
        String around = send(HttpRequest.newBuilder(URI.create(base + "/objects?from=" + before + "&to=" + k))).body();
        assertTrue(around.contains("a b.txt") && !around.contains("gone.txt"), around);
        String whole = send(HttpRequest.newBuilder(URI.create(base + "/objects?from=" + k + "&to=" + k))).body();
        assertTrue(whole.contains("a b.txt") && whole.contains("gone.txt"), "(k, k] is the whole ring: " + whole);
        assertEquals(400, send(HttpRequest.newBuilder(URI.create(base + "/objects/..")).PUT(HttpRequest.BodyPublishers.ofString("x"))).statusCode());

        // A node that is not a ring member (joining, leaving) does not let its copies be counted.
        member = false;
        assertEquals(503, send(HttpRequest.newBuilder(URI.create(base + "/objects?from=" + k + "&to=" + k))).statusCode());
        assertEquals(503, send(HttpRequest.newBuilder(URI.create(base + "/digest?from=" + k + "&to=" + k))).statusCode());
    }

    @Test
    void aReplicaCopyWithTheSendersBlockCrcsIsCheckedByThem(@TempDir Path dir) throws Exception {
        String base = start(dir, null);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update("hello".getBytes(StandardCharsets.UTF_8));
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("hello".getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> wrong = send(HttpRequest.newBuilder(URI.create(base + "/objects/r.txt"))
                .header("X-ChordFS-Version", "3").header("X-ChordFS-Sha256", sha).header("X-ChordFS-Crc32c", "12345")
                .PUT(HttpRequest.BodyPublishers.ofString("hello")));
        assertEquals(422, wrong.statusCode(), wrong.body());
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(base + "/objects/r.txt"))).statusCode());
        HttpResponse<String> right = send(HttpRequest.newBuilder(URI.create(base + "/objects/r.txt"))
                .header("X-ChordFS-Version", "3").header("X-ChordFS-Sha256", sha)
                .header("X-ChordFS-Crc32c", Long.toString(crc.getValue()))
                .PUT(HttpRequest.BodyPublishers.ofString("hello")));
        assertEquals(200, right.statusCode(), right.body());
        assertEquals(sha, PeerHeaders.JSON.readValue(right.body(), ObjectMeta.class).sha256());
    }

    @Test
    void aStreamedPrepareCommitsOnlyWithTheOwnersDigestsOfWhatArrived(@TempDir Path dir) throws Exception {
        String base = start(dir, null);
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(hello);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(hello));
        String tx1 = "00000000000000000000000000000001";
        String tx2 = "00000000000000000000000000000002";
        for (String tx : List.of(tx1, tx2)) {
            HttpResponse<String> prepared = send(HttpRequest.newBuilder(URI.create(base + "/objects/s.txt?prepare=" + tx))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(hello)));
            assertEquals(200, prepared.statusCode(), prepared.body());
        }
        HttpResponse<String> wrong = send(HttpRequest.newBuilder(URI.create(base + "/prepared/" + tx1))
                .header("X-ChordFS-Version", "3")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sha256\": \"" + sha + "\", \"crcs\": [12345]}")));
        assertEquals(422, wrong.statusCode(), wrong.body());
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(base + "/objects/s.txt"))).statusCode());
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(base + "/prepared/" + tx1))
                .header("X-ChordFS-Version", "3").POST(HttpRequest.BodyPublishers.noBody())).statusCode(),
                "a copy that did not verify is discarded");
        HttpResponse<String> right = send(HttpRequest.newBuilder(URI.create(base + "/prepared/" + tx2))
                .header("X-ChordFS-Version", "3")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sha256\": \"" + sha + "\", \"crcs\": ["
                        + crc.getValue() + "]}")));
        assertEquals(200, right.statusCode(), right.body());
        ObjectMeta m = PeerHeaders.JSON.readValue(right.body(), ObjectMeta.class);
        assertEquals(sha, m.sha256());
        assertEquals(3, m.version());
    }

    @Test
    void malformedChecksumHeadersAreRefusedBeforeTheStore(@TempDir Path dir) throws Exception {
        String base = start(dir, null);
        String sha = "ab".repeat(32);
        // "," was read as "no blocks" (found by PeerParamsFuzzTest); a CRC must fit 32 bits; a
        // trusted SHA-256 becomes the stored checksum, so it must be one.
        String[][] bad = {{",", sha}, {"", sha}, {"4294967296", sha}, {"-1", sha}, {"1", "AB".repeat(32)}, {"1", "x"}};
        for (String[] h : bad) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/objects/m.txt"))
                    .header("X-ChordFS-Version", "3").header("X-ChordFS-Sha256", h[1]).header("X-ChordFS-Crc32c", h[0])
                    .PUT(HttpRequest.BodyPublishers.ofString("")));
            assertEquals(400, r.statusCode(), String.join(" / ", h) + ": " + r.body());
        }
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(base + "/objects/m.txt"))).statusCode());
    }

    @Test
    void notifyJoinSystemTakesTheCourseScriptsJson(@TempDir Path dir) throws Exception {
        String base = start(dir, null);
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/notify_join_system"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"ip\": \"10.0.0.5\", \"port\": 5057, \"id\": 123}")));
        assertEquals(200, r.statusCode());
        assertEquals("{\"files\":[\"moved.txt\"]}", r.body());
        assertEquals(List.of(new NodeRef("10.0.0.5", 5057, 123)), handedTo);
        assertEquals(400, send(HttpRequest.newBuilder(URI.create(base + "/notify_join_system"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"ip\": 5}"))).statusCode());
    }

    @Test
    void withAClusterSecretEveryCallMustProveItAndEveryAnswerProvesIt(@TempDir Path dir) throws Exception {
        String base = start(dir, "s3cret");
        io.chordfs.node.store.VersionClock clock = store.clock();
        PeerClient member = new PeerClient(io.chordfs.core.chord.ClusterSecret.of("s3cret"), clock);
        PeerClient intruder = new PeerClient(io.chordfs.core.chord.ClusterSecret.NONE, clock);
        PeerClient otherRing = new PeerClient(io.chordfs.core.chord.ClusterSecret.of("another"), clock);
        assertTrue(member.meta(self, "x").isEmpty(), "a member's call is served");
        assertTrue(member.list(self, 0, 0).isEmpty());
        java.io.IOException refused = assertThrows(java.io.IOException.class, () -> intruder.list(self, 0, 0));
        assertTrue(refused.getMessage().contains("403"), refused.getMessage());
        assertThrows(java.io.IOException.class, () -> otherRing.notifyJoin(self, new NodeRef("10.0.0.9", 5057, 9)));
        assertTrue(handedTo.isEmpty(), "no hand-over to a node that did not prove itself");

        // The old clear-text header is no key, and a proof seen once is not taken again.
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(base + "/objects/x")).PUT(HttpRequest.BodyPublishers.ofString("x"));
        assertEquals(403, send(put).statusCode());
        assertEquals(403, send(put.header("X-ChordFS-Secret", "s3cret")).statusCode());
        String proof = io.chordfs.core.chord.ClusterSecret.of("s3cret").prove(
                PeerHeaders.claim("GET", "/objects?from=0&to=0", self), clock.wallMillis());
        HttpRequest listing = HttpRequest.newBuilder(URI.create(base + "/objects?from=0&to=0")).header(PeerHeaders.PROOF, proof).build();
        HttpResponse<String> first = http.send(listing, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, first.statusCode());
        assertTrue(first.headers().firstValue(PeerHeaders.PROOF).isPresent(), "the answer proves the server");
        assertEquals(403, http.send(listing, HttpResponse.BodyHandlers.ofString()).statusCode(), "a replayed proof");
        String late = io.chordfs.core.chord.ClusterSecret.of("s3cret").prove(PeerHeaders.claim("GET", "/objects?from=0&to=0", self),
                clock.wallMillis() - io.chordfs.core.chord.ClusterSecret.WINDOW_MILLIS - 1000);
        assertEquals(403, http.send(HttpRequest.newBuilder(URI.create(base + "/objects?from=0&to=0"))
                .header(PeerHeaders.PROOF, late).build(), HttpResponse.BodyHandlers.ofString()).statusCode(), "a proof past its window");
        String forOtherPath = io.chordfs.core.chord.ClusterSecret.of("s3cret").prove(PeerHeaders.claim("GET", "/digest", self),
                clock.wallMillis());
        assertEquals(403, http.send(HttpRequest.newBuilder(URI.create(base + "/objects?from=0&to=0"))
                .header(PeerHeaders.PROOF, forOtherPath).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                "a proof for another request");
    }

    /** A node that answers without proving the secret (an intruder that took a peer's address) is not believed. */
    @Test
    void anAnswerWithoutProofIsNotTaken(@TempDir Path dir) throws Exception {
        start(dir, null); // a server without the secret answers without proofs
        PeerClient member = new PeerClient(io.chordfs.core.chord.ClusterSecret.of("s3cret"), store.clock());
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> member.list(self, 0, 0));
        assertTrue(e.getMessage().contains("without proving"), e.getMessage());
    }
}
