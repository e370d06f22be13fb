package io.chordfs.node;

import io.chordfs.node.daemon.NodeDaemon;
import com.sun.net.httpserver.HttpServer;
import io.chordfs.core.net.ChordService;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.StagedWrite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.chordfs.node.NodeHttp.holds;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acknowledged writes survive what the crash faults never tried: an owner that comes back with
 * an empty disk and a slow clock, and refusals that must reach the client unchanged and leave
 * nothing behind.
 */
class WriteSafetyTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Names the given node owns in this ring, as many as asked. */
    private static List<String> ownedBy(TestRing ring, NodeDaemon owner, String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; out.size() < n; i++) {
            if (ring.owner(prefix + i) == owner) {
                out.add(prefix + i);
            }
        }
        return out;
    }

    /**
     * The owner comes back on a new disk with its clock an hour behind, and its replicas hold
     * versions it has not received yet (its hand-over is still on the way, as it is for a while
     * after a real restart): writes through it must still win everywhere, and be answered as
     * replacements.
     */
    @Test
    void anOwnerBackWithAnEmptyDiskAndASlowClockNeverRevertsAnAcknowledgedWrite(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            NodeDaemon owner = ring.nodes().get(1);
            List<String> names = ownedBy(ring, owner, "clock-", 12);
            ring.crash(owner);
            ring.awaitConsistent();
            NodeDaemon back = ring.restartOnANewDisk(owner,
                    c -> c.withClock(Clock.offset(Clock.systemUTC(), Duration.ofHours(-1))));
            ring.awaitConsistent();
            for (String name : names) {
                for (NodeDaemon d : ring.replicaSet(name)) {
                    if (d != back) {
                        storeDirectly(d, name, utf8("old " + name), System.currentTimeMillis() << 16);
                    }
                }
            }
            for (String name : names) {
                HttpResponse<String> put = NodeHttp.put(ring.nodes().get(0), name, utf8("new " + name));
                assertEquals(204, put.statusCode(), name + " replaced a live file: " + put.body());
            }
            // Repair rounds that would revert them pass; then every node serves the new bytes.
            Thread.sleep(5 * TestRing.REPAIR_MS);
            for (String name : names) {
                for (NodeDaemon via : ring.nodes()) {
                    assertArrayEquals(utf8("new " + name), NodeHttp.get(via, name).body(), name + " through " + via.self());
                }
                long versions = ring.replicaSet(name).stream().map(d -> d.store().meta(name).orElseThrow().version())
                        .distinct().count();
                assertEquals(1, versions, name + ": every replica holds the same version");
            }
        }
    }

    /** Commits {@code content} as {@code version} on one node only, as a copy it received earlier. */
    private static void storeDirectly(NodeDaemon d, String name, byte[] content, long version) throws Exception {
        try (StagedWrite w = d.store().stage(name)) {
            w.out().write(content);
            w.out().close();
            w.commit(version, System.currentTimeMillis(), null);
        }
    }

    /** As above, for a delete: the owner does not hold the name yet, its replicas do. */
    @Test
    void aDeleteThroughAnOwnerThatLostItsDiskDeletesEverywhere(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            NodeDaemon owner = ring.nodes().get(2);
            String name = ownedBy(ring, owner, "gone-", 1).get(0);
            ring.crash(owner);
            ring.awaitConsistent();
            NodeDaemon back = ring.restartOnANewDisk(owner,
                    c -> c.withClock(Clock.offset(Clock.systemUTC(), Duration.ofHours(-1))));
            ring.awaitConsistent();
            for (NodeDaemon d : ring.replicaSet(name)) {
                if (d != back) {
                    storeDirectly(d, name, utf8("here"), System.currentTimeMillis() << 16);
                }
            }
            assertEquals(204, NodeHttp.delete(ring.nodes().get(0), name), "the file existed on the other replicas");
            Thread.sleep(5 * TestRing.REPAIR_MS);
            for (NodeDaemon via : ring.nodes()) {
                assertEquals(404, NodeHttp.get(via, name).statusCode(), name + " through " + via.self());
            }
        }
    }

    @Test
    void aFullReplicaRefusesTheWriteWith507ThroughAnyNodeAndNothingIsLeft(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 2)) {
            NodeDaemon small = ring.add(c -> c.withCapacity(64 << 10));
            ring.awaitConsistent();
            byte[] big = new byte[200 << 10];
            for (NodeDaemon via : ring.nodes()) {
                String name = "big-through-" + via.self().ip();
                HttpResponse<String> put = NodeHttp.put(via, name, big);
                assertEquals(507, put.statusCode(), "through " + via.self() + ": " + put.body());
                assertEquals(507, NodeHttp.upload(via, name, big), "the form upload through " + via.self());
                for (NodeDaemon d : ring.nodes()) {
                    assertFalse(d.store().meta(name).isPresent(), name + " left on " + d.self());
                    assertEquals(0, countTemps(d), "temp files on " + d.self());
                }
            }
            assertTrue(small.store().usedBytes() == 0, "the small node stores nothing");
        }
    }

    /**
     * A ring member whose transfer port answers 503 to everything (a node leaving, say): the
     * owners' writes that need its copy fail their quorum, and every entry node answers 503, the
     * owner's own status, with nothing committed anywhere.
     */
    @Test
    void aWriteWithoutItsQuorumIs503ThroughAnyNodeAndNothingIsCommitted(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 2); RefusingMember refusing = RefusingMember.join(ring)) {
            ring.awaitConsistent(refusing.chord.node());
            for (NodeDaemon via : ring.nodes()) {
                String name = "q-through-" + via.self().ip();
                HttpResponse<String> put = NodeHttp.put(via, name, utf8("needs three copies"));
                assertEquals(503, put.statusCode(), "through " + via.self() + ": " + put.body());
                for (NodeDaemon d : ring.nodes()) {
                    Optional<ObjectMeta> m = d.store().meta(name);
                    assertFalse(m.isPresent(), name + " committed on " + d.self() + " although refused");
                }
            }
        }
    }

    /**
     * An owner whose transfer port hangs up on every request (a restarted process behind a kept-alive
     * connection looks so): a write forwarded to it is 503 (try again), not a server error.
     */
    @Test
    void aWriteForwardedToAnOwnerThatHangsUpIs503(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 2); HangingUpMember owner = HangingUpMember.join(ring)) {
            ring.awaitConsistent(owner.chord.node());
            String name = null;
            for (int i = 0; name == null; i++) {
                if (owner.owns("hangup-" + i, ring)) {
                    name = "hangup-" + i;
                }
            }
            for (NodeDaemon via : ring.nodes()) {
                HttpResponse<String> put = NodeHttp.put(via, name, utf8("x"));
                assertEquals(503, put.statusCode(), "through " + via.self() + ": " + put.body());
            }
        }
    }

    /** A Chord member with no store whose transfer port accepts connections and closes them at once. */
    private static final class HangingUpMember implements AutoCloseable {
        final ChordService chord;
        final java.net.ServerSocket peer;

        private HangingUpMember(ChordService chord, java.net.ServerSocket peer) {
            this.chord = chord;
            this.peer = peer;
        }

        static HangingUpMember join(TestRing ring) throws Exception {
            String ip = ring.nextIp();
            ChordService chord = ChordService.start(ChordService.Options.of(ip, PortLayout.CHORD).withChord(TestRing.FAST));
            java.net.ServerSocket peer = new java.net.ServerSocket(PortLayout.peer(PortLayout.CHORD), 50,
                    java.net.InetAddress.getByName(ip));
            Thread t = new Thread(() -> {
                while (!peer.isClosed()) {
                    try (java.net.Socket s = peer.accept()) {
                        s.getInputStream().read(new byte[256]);
                    } catch (java.io.IOException e) {
                        // closed: the test is over
                    }
                }
            }, "hanging-up-peer");
            t.setDaemon(true);
            t.start();
            chord.join(ring.nodes().get(0).self().address()).get(10, TimeUnit.SECONDS);
            return new HangingUpMember(chord, peer);
        }

        boolean owns(String name, TestRing ring) throws Exception {
            return ring.nodes().get(0).chord().lookup(io.chordfs.core.ring.Keys.key(name)).get(10, TimeUnit.SECONDS)
                    .equals(chord.self());
        }

        @Override
        public void close() throws java.io.IOException {
            peer.close();
            chord.close();
        }
    }

    /** A Chord member with no store: its transfer port answers every request with 503. */
    private static final class RefusingMember implements AutoCloseable {
        final ChordService chord;
        final HttpServer peer;

        private RefusingMember(ChordService chord, HttpServer peer) {
            this.chord = chord;
            this.peer = peer;
        }

        static RefusingMember join(TestRing ring) throws Exception {
            String ip = ring.nextIp();
            ChordService chord = ChordService.start(ChordService.Options.of(ip, PortLayout.CHORD).withChord(TestRing.FAST));
            HttpServer peer = HttpServer.create(new InetSocketAddress(ip, PortLayout.peer(PortLayout.CHORD)), 16);
            peer.createContext("/", ex -> {
                byte[] b = "leaving the ring\n".getBytes(StandardCharsets.UTF_8);
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(503, b.length);
                ex.getResponseBody().write(b);
                ex.close();
            });
            peer.start();
            chord.join(ring.nodes().get(0).self().address()).get(10, TimeUnit.SECONDS);
            return new RefusingMember(chord, peer);
        }

        @Override
        public void close() {
            peer.stop(0);
            chord.close();
        }
    }

    /** Temp files left on {@code d}, given up to 5 s to go (a failed copy's is deleted just after its connection closes). */
    private static long countTemps(NodeDaemon d) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            long n;
            try (var s = Files.list(d.store().dataDir().resolve(".chordfs").resolve("tmp"))) {
                n = s.count();
            }
            if (n == 0 || System.nanoTime() > deadline) {
                return n;
            }
            Thread.sleep(20);
        }
    }
}
