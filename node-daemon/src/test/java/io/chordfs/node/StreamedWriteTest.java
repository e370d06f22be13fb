package io.chordfs.node;

import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.node.store.ObjectMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.chordfs.node.NodeHttp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upload to its owner goes on to the rest of the replica set while the client still sends it
 * (issue 16), and whatever breaks mid-stream (a replica, the client, the owner) leaves no partial
 * object on any node and no temp file behind. Real nodes in one JVM, a raw-socket client that
 * stops half-way.
 */
class StreamedWriteTest {
    private static final int SIZE = 24 << 20;
    private static final int HALF = 10 << 20;

    @Test
    void theReplicasReceiveTheUploadWhileTheClientStillSendsItAndAllCopiesMatch(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            byte[] content = random(SIZE, 1);
            String name = "streamed.bin";
            NodeDaemon owner = ring.owner(name);
            try (HalfSent put = HalfSent.start(owner, name, content)) {
                awaitReplicasReceiving(ring, name);
                put.sendRest();
                String answer = put.answer();
                assertTrue(answer.startsWith("HTTP/1.1 201"), answer);
                assertTrue(answer.contains(sha256(content)), "the body's SHA-256 in the answer: " + answer);
            }
            for (NodeDaemon d : ring.nodes()) {
                Optional<ObjectMeta> m = d.store().meta(name);
                assertTrue(m.isPresent(), d.self() + " holds a copy");
                assertEquals(sha256(content), m.get().sha256(), d.self() + "'s copy");
                assertEquals(SIZE, m.get().size());
            }
            await(() -> ring.nodes().stream().allMatch(d -> parts(d) == 0), "no temp file is left");
        }
    }

    @Test
    void aNodeThatIsNotTheOwnerPassesTheUploadOnAsItArrivesAndSpoolsNothing(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            byte[] content = random(SIZE, 6);
            String name = "forwarded.bin";
            NodeDaemon entry = ring.outsider(name);
            try (HalfSent put = HalfSent.start(entry, name, content, "X-ChordFS-Crc32c: " + crcs(content))) {
                awaitReplicasReceiving(ring, name);
                assertTrue(parts(ring.owner(name)) > 0, "the owner receives while the client sends");
                assertEquals(0, parts(entry), "the entry node spools nothing");
                put.sendRest();
                String answer = put.answer();
                assertTrue(answer.startsWith("HTTP/1.1 201"), answer);
                assertTrue(answer.contains(sha256(content)), "the body's SHA-256, as the owner received it: " + answer);
            }
            for (NodeDaemon d : ring.replicaSet(name)) {
                assertEquals(sha256(content), d.store().meta(name).orElseThrow().sha256(), d.self() + "'s copy");
            }
            assertFalse(entry.store().meta(name).isPresent(), "no copy outside the replica set");
            await(() -> ring.nodes().stream().allMatch(d -> parts(d) == 0), "no temp file is left");
        }
    }

    @Test
    void aStoppedNodeLeavesNoThreadThatPassedUploadsOn(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            byte[] content = random(SIZE, 8);
            String name = "forwarded-then-stopped.bin";
            NodeDaemon entry = ring.outsider(name);
            try (HalfSent put = HalfSent.start(entry, name, content, "X-ChordFS-Crc32c: " + crcs(content))) {
                awaitReplicasReceiving(ring, name);
                assertTrue(forwardThreads() > 0, "the upload is passed on by a forward thread");
            }
        }
        await(() -> forwardThreads() == 0, "the stopped nodes' forward threads end");
    }

    private static long forwardThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("forward-")).count();
    }

    @Test
    void bytesThatDoNotMatchTheClientsCrcsThroughANodeThatIsNotTheOwnerAre422AndStoredNowhere(@TempDir Path dir)
            throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            byte[] content = random(3 << 20, 7);
            String name = "damaged.bin";
            String crcs = crcs(content);
            content[2_500_000] ^= 1;
            NodeDaemon entry = ring.outsider(name);
            try (HalfSent put = HalfSent.start(entry, name, content, "X-ChordFS-Crc32c: " + crcs)) {
                put.sendRest();
                String answer = put.answer();
                assertTrue(answer.startsWith("HTTP/1.1 422"), answer);
            }
            for (NodeDaemon d : ring.nodes()) {
                assertFalse(d.store().meta(name).isPresent(), name + " stored on " + d.self());
            }
            await(() -> ring.nodes().stream().allMatch(d -> parts(d) == 0), "no temp file is left");
        }
    }

    @Test
    void aReplicaThatDiesMidStreamCostsTheQuorumAndNothingIsStoredAnywhere(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            byte[] content = random(SIZE, 2);
            String name = "replica-dies.bin";
            NodeDaemon owner = ring.owner(name);
            NodeDaemon dying = ring.replicaSet(name).get(2);
            try (HalfSent put = HalfSent.start(owner, name, content)) {
                awaitReplicasReceiving(ring, name);
                ring.crash(dying);
                put.sendRest();
                String answer = put.answer();
                // every live member of the set must hold a copy (the default write quorum): 503, as
                // when the replica is gone before the write starts
                assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
            }
            for (NodeDaemon d : ring.nodes()) {
                assertFalse(d.store().meta(name).isPresent(), name + " committed on " + d.self() + " although refused");
            }
            await(() -> ring.nodes().stream().allMatch(d -> parts(d) == 0), "no temp file is left on the live nodes");
            NodeDaemon back = ring.restart(dying);
            assertEquals(0, parts(back), "the dead replica's partial copy is gone after its restart");
            assertFalse(back.store().meta(name).isPresent());
        }
    }

    @Test
    void withAQuorumOfTwoAReplicaThatDiesMidStreamLeavesTwoCopies(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.withConfig(dir, 3, c -> c.withWriteQuorum(2))) {
            byte[] content = random(SIZE, 3);
            String name = "two-of-three.bin";
            NodeDaemon owner = ring.owner(name);
            NodeDaemon dying = ring.replicaSet(name).get(1);
            try (HalfSent put = HalfSent.start(owner, name, content)) {
                awaitReplicasReceiving(ring, name);
                ring.crash(dying);
                put.sendRest();
                String answer = put.answer();
                assertTrue(answer.startsWith("HTTP/1.1 201"), answer);
            }
            for (NodeDaemon d : ring.nodes()) {
                assertEquals(sha256(content), d.store().meta(name).orElseThrow().sha256(), d.self() + "'s copy");
            }
            await(() -> ring.nodes().stream().allMatch(d -> parts(d) == 0), "no temp file is left");
        }
    }

    @Test
    void aClientThatVanishesMidBodyLeavesNothingOnAnyNode(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            byte[] content = random(SIZE, 4);
            String name = "vanished.bin";
            NodeDaemon owner = ring.owner(name);
            try (HalfSent put = HalfSent.start(owner, name, content)) {
                awaitReplicasReceiving(ring, name);
            } // closed half-way
            await(() -> ring.nodes().stream().allMatch(d -> parts(d) == 0), "every partial copy is thrown away");
            for (NodeDaemon d : ring.nodes()) {
                assertFalse(d.store().meta(name).isPresent(), name + " stored on " + d.self());
            }
            assertEquals(201, NodeHttp.put(owner, name, content).statusCode(), "the name is free for a whole upload");
        }
    }

    @Test
    void anOwnerThatStopsDeadMidStreamLeavesNoPartialObjectAndNoTempFileAfterItsRestart(@TempDir Path dir)
            throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            byte[] content = random(SIZE, 5);
            String name = "owner-dies.bin";
            NodeDaemon owner = ring.owner(name);
            try (HalfSent put = HalfSent.start(owner, name, content)) {
                awaitReplicasReceiving(ring, name);
                ring.crash(owner);
            }
            await(() -> ring.nodes().stream().allMatch(d -> parts(d) == 0), "the replicas throw their partial copies away");
            NodeDaemon back = ring.restart(owner);
            assertEquals(0, parts(back), "the owner's temp file is gone after its restart");
            for (NodeDaemon d : ring.nodes()) {
                assertFalse(d.store().meta(name).isPresent(), name + " stored on " + d.self());
            }
        }
    }

    /**
     * The owner as a real process, killed with SIGKILL while the replicas receive the upload from
     * it: the client gets no answer (it may retry), the replicas throw their partial copies away,
     * and the owner's store, opened again, holds neither the object nor a temp file.
     */
    @Test
    void aKill9OfTheOwnerProcessMidStreamLeavesNoPartialObjectAnywhere(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 2)) {
            String ip = ring.nextIp();
            Path data = dir.resolve("killed");
            try (NodeProcess owner = NodeProcess.start("run", "--ip", ip, "--data-dir", data.toString(),
                    "--join", ring.nodes().get(0).self().ip(), "--stabilize-ms", "50")) {
                owner.await("joined", 30_000);
                // a small write it owns lands on both other nodes once its ring view is whole
                String name = null;
                for (int i = 0; name == null; i++) {
                    String probe = "probe-" + i;
                    if (!ownedBy(ring, probe, ip)) {
                        continue;
                    }
                    await(() -> putThrough(ip, probe) && ring.nodes().stream().allMatch(d -> d.store().meta(probe).isPresent()),
                            "the process owns " + probe + " and replicates it to both nodes");
                    for (int j = i + 1; name == null; j++) {
                        if (ownedBy(ring, "killed-" + j, ip)) {
                            name = "killed-" + j;
                        }
                    }
                }
                byte[] content = random(SIZE, 9);
                var base = java.net.URI.create("http://" + ip + ":" + PortLayout.http(PortLayout.CHORD));
                try (Socket s = new Socket(base.getHost(), base.getPort())) {
                    s.setSoTimeout(30_000);
                    OutputStream out = s.getOutputStream();
                    out.write(("PUT /" + name + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + content.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(content, 0, HALF);
                    out.flush();
                    await(() -> ring.nodes().stream().allMatch(d -> parts(d) >= 1 << 20), "the replicas receive from the owner");
                    owner.process().destroyForcibly();
                    assertTrue(owner.process().waitFor(10, TimeUnit.SECONDS));
                    assertEquals("", readHead(s.getInputStream()), "no answer from a killed owner");
                } catch (java.net.SocketException reset) {
                    // the client sees the connection reset: no answer either
                }
                await(() -> ring.nodes().stream().allMatch(d -> parts(d) == 0), "the replicas throw their partial copies away");
                for (NodeDaemon d : ring.nodes()) {
                    assertFalse(d.store().meta(name).isPresent(), name + " stored on " + d.self());
                }
            }
            try (io.chordfs.node.store.ObjectStore store = io.chordfs.node.store.ObjectStore.open(data, 0);
                 Stream<Path> tmp = Files.list(data.resolve(".chordfs").resolve("tmp"))) {
                assertEquals(0, tmp.count(), "no temp file is left after the killed owner's recovery");
                assertTrue(store.list().stream().noneMatch(m -> m.name().startsWith("killed-")), "no partial object");
            }
        }
    }

    private static boolean ownedBy(TestRing ring, String name, String ip) throws Exception {
        return ring.nodes().get(0).chord().lookup(io.chordfs.core.ring.Keys.key(name)).get(10, TimeUnit.SECONDS)
                .ip().equals(ip);
    }

    /** A small PUT of {@code name} through the node at {@code ip}; true when stored. */
    private static boolean putThrough(String ip, String name) {
        try (Socket s = new Socket(ip, PortLayout.http(PortLayout.CHORD))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("PUT /" + name + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                    + "Connection: close\r\n\r\nok").getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            return head.startsWith("HTTP/1.1 201") || head.startsWith("HTTP/1.1 204");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A replica that takes nothing: the owner stops reading the client once that replica's queue is
     * full, instead of buffering the upload. With queues that did not bound themselves, the client
     * would have sent all 64 MiB within the window (the other copies take it at memory speed).
     */
    @Test
    void aReplicaThatStopsReadingHoldsTheClientBackInsteadOfFillingMemory(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 2); DeafMember deaf = DeafMember.join(ring)) {
            ring.awaitConsistent(deaf.chord.node());
            NodeDaemon entry = ring.nodes().get(0);
            String name = null;
            NodeDaemon owner = null;
            for (int i = 0; owner == null; i++) {
                NodeRef o = entry.chord().lookup(io.chordfs.core.ring.Keys.key("deaf-" + i)).get(10, TimeUnit.SECONDS);
                for (NodeDaemon d : ring.nodes()) {
                    if (d.self().equals(o)) {
                        owner = d;
                        name = "deaf-" + i;
                    }
                }
            }
            byte[] content = random(64 << 20, 8);
            AtomicLong sent = new AtomicLong();
            var base = PortLayout.httpBase(owner.self());
            try (Socket s = new Socket(base.getHost(), base.getPort())) {
                s.setSoTimeout(60_000);
                OutputStream out = s.getOutputStream();
                String head = "PUT /" + name + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + content.length + "\r\n\r\n";
                Thread client = new Thread(() -> {
                    try {
                        out.write(head.getBytes(StandardCharsets.US_ASCII));
                        for (int off = 0; off < content.length; off += 64 << 10) {
                            out.write(content, off, 64 << 10);
                            sent.addAndGet(64 << 10);
                        }
                    } catch (IOException e) {
                        // the node answered and closed
                    }
                }, "deaf-test-client");
                client.setDaemon(true);
                client.start();
                NodeDaemon o = owner;
                await(() -> deaf.connected() && parts(o) >= 1 << 20, "the upload reaches the owner and the deaf replica");
                Thread.sleep(3_000); // a window in which an unbounded owner would have taken everything
                long ownerHas = parts(owner);
                assertTrue(sent.get() < content.length, "the client is held back: it sent " + sent.get());
                assertTrue(ownerHas < 32 << 20, "the owner holds " + ownerHas + " bytes of the 64 MiB");
                deaf.hangUp(); // the replica goes away: the write loses its quorum
                String answer = readHead(s.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
            }
            for (NodeDaemon d : ring.nodes()) {
                assertFalse(d.store().meta(name).isPresent(), name + " stored on " + d.self());
            }
            await(() -> ring.nodes().stream().allMatch(d -> parts(d) == 0), "no temp file is left");
        }
    }

    /** A Chord member whose transfer port accepts connections and never reads from them. */
    private static final class DeafMember implements AutoCloseable {
        final ChordService chord;
        private final ServerSocket peer;
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        private DeafMember(ChordService chord, ServerSocket peer) {
            this.chord = chord;
            this.peer = peer;
        }

        static DeafMember join(TestRing ring) throws Exception {
            String ip = ring.nextIp();
            ChordService chord = ChordService.start(ChordService.Options.of(ip, PortLayout.CHORD).withChord(TestRing.FAST));
            ServerSocket peer = new ServerSocket(PortLayout.peer(PortLayout.CHORD), 50, InetAddress.getByName(ip));
            DeafMember m = new DeafMember(chord, peer);
            Thread t = new Thread(() -> {
                while (!peer.isClosed()) {
                    try {
                        m.held.add(peer.accept());
                    } catch (IOException e) {
                        // closed: the test is over
                    }
                }
            }, "deaf-peer");
            t.setDaemon(true);
            t.start();
            chord.join(ring.nodes().get(0).self().address()).get(10, TimeUnit.SECONDS);
            return m;
        }

        boolean connected() {
            return !held.isEmpty();
        }

        void hangUp() throws IOException {
            for (Socket s : held) {
                if (!s.isClosed()) {
                    s.setSoLinger(true, 0); // a reset: the owner's write fails at once
                    s.close();
                }
            }
        }

        @Override
        public void close() throws IOException {
            peer.close();
            hangUp();
            chord.close();
        }
    }

    /** Waits until every other member of the set holds part of the upload, before the client has sent it all. */
    private static void awaitReplicasReceiving(TestRing ring, String name) throws InterruptedException {
        NodeDaemon owner = ring.owner(name);
        List<NodeDaemon> others = ring.replicaSet(name).stream().filter(d -> d != owner).toList();
        await(() -> others.stream().allMatch(d -> parts(d) >= 1 << 20), "the replicas receive while the client sends");
    }

    /** Bytes in the store's temp files (uploads being received). */
    private static long parts(NodeDaemon d) {
        Path tmp = d.store().dataDir().resolve(".chordfs").resolve("tmp");
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(p -> p.toString().endsWith(".part")).mapToLong(p -> {
                try {
                    return Math.max(1, Files.size(p));
                } catch (IOException gone) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A raw-socket PUT that has sent its head and the first {@link #HALF} bytes. */
    private static final class HalfSent implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final byte[] content;

        private HalfSent(Socket socket, byte[] content) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.content = content;
        }

        static HalfSent start(NodeDaemon via, String name, byte[] content, String... headers) throws IOException {
            var base = PortLayout.httpBase(via.self());
            Socket s = new Socket(base.getHost(), base.getPort());
            s.setSoTimeout(60_000);
            HalfSent h = new HalfSent(s, content);
            StringBuilder head = new StringBuilder("PUT /" + name + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + content.length + "\r\n");
            for (String header : headers) {
                head.append(header).append("\r\n");
            }
            h.out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            h.out.write(content, 0, Math.min(HALF, content.length));
            h.out.flush();
            return h;
        }

        void sendRest() throws IOException {
            int sent = Math.min(HALF, content.length);
            out.write(content, sent, content.length - sent);
            out.flush();
        }

        /** The answer's head. */
        String answer() throws IOException {
            return readHead(socket.getInputStream());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The head of an answer. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String crcs(byte[] b) {
        return io.chordfs.core.net.BlockCrcs.header(io.chordfs.core.net.BlockCrcs.of(b, 0, b.length)).orElseThrow();
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
