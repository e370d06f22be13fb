package io.chordfs.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.daemon.NodeDaemon;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage node that listens on one address and announces another. Only a wildcard listener
 * is reachable at an address it was not bound to, so the node listens on 0.0.0.0 (on a free port,
 * so parallel runs do not meet) and announces a random 127.x address: everything its peers and
 * clients do goes through the announced address.
 */
class AnnouncedAddressNodeTest {
    private final List<NodeDaemon> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(NodeDaemon::halt);
    }

    private static String randomLoopback() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + "." + r.nextInt(1, 255);
    }

    /** On 0.0.0.0, announcing {@code ip}. */
    private NodeDaemon wildcardNode(String ip, Path dir) throws Exception {
        NodeDaemon.Config config = NodeDaemon.Config.of(ip, dir).withListenIp("0.0.0.0").withPort(0)
                .withChord(TestRing.FAST).withRepairPeriod(TestRing.REPAIR_MS);
        for (int attempt = 1; ; attempt++) {
            try {
                NodeDaemon d = NodeDaemon.start(config);
                nodes.add(d);
                return d;
            } catch (BindException e) {
                // The free port is the Chord one; the next two (files, transfers) can be in use on
                // some address, which a wildcard bind collides with. Another free port will do.
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    @Test
    void aRingFormsAndServesFilesThroughTheAnnouncedAddress(@TempDir Path dir) throws Exception {
        String announced = randomLoopback();
        NodeDaemon a = wildcardNode(announced, dir.resolve("a"));
        int port = a.self().port();
        assertEquals(new NodeRef(announced, port, Keys.nodeId(announced, port)), a.self(),
                "the identity, and the id, come from the announced address");
        a.createRing();

        NodeDaemon b = NodeDaemon.start(NodeDaemon.Config.of(randomLoopback(), dir.resolve("b"))
                .withChord(TestRing.FAST).withRepairPeriod(TestRing.REPAIR_MS));
        nodes.add(b);
        b.join(new InetSocketAddress(announced, port), 10_000);
        long deadline = System.currentTimeMillis() + 20_000;
        while (!RingCheck.consistent(List.of(a.chord().node(), b.chord().node()), true)) {
            assertTrue(System.currentTimeMillis() < deadline, "no ring of two");
            Thread.sleep(20);
        }
        assertEquals(a.self(), b.chord().node().successor());

        // With two nodes a write is acknowledged only when durable on both: the copy reached the
        // announced node's transfer port. Then its file port serves it at the announced address.
        byte[] content = "through the announced address".getBytes(StandardCharsets.UTF_8);
        assertEquals(204, NodeHttp.upload(b, "hello.txt", content));
        assertTrue(NodeHttp.holds(a, "hello.txt"));
        assertArrayEquals(content, NodeHttp.get(a, "hello.txt").body());
    }
}
