package io.chordfs.node;

import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.http.FileServer;
import io.chordfs.node.http.HostLimits;
import io.chordfs.node.peer.PortLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hostile clients at one member's doors do not hold up the ring. Before the ports moved to
 * Netty, ten silent connections to one node's transfer port made 17 of 19 writes through the
 * other nodes fail with 503, because the owners' calls to that node waited behind them.
 */
class FrontDoorRingTest {
    private static final byte[] HALF_HEAD = "GET /a.txt HTTP/1.1\r\nHost: x\r\nX-a: ".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void silentConnectionsToOneMembersPortsDoNotBlockTheRingsWrites(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 2)) {
            // a head deadline longer than the test, so the silent connections stay open however slow the machine
            HostLimits patient = HostLimits.defaults().withTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(5),
                    Duration.ofSeconds(20), Duration.ofSeconds(60));
            NodeDaemon victim = ring.add(c -> c.withHttp(FileServer.Options.defaults().withHost(patient)));
            ring.awaitConsistent();
            List<Socket> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) {
                    int port = i % 2 == 0 ? PortLayout.peer(victim.self().port()) : PortLayout.http(victim.self().port());
                    Socket s = new Socket(victim.self().ip(), port);
                    s.getOutputStream().write(HALF_HEAD);
                    silent.add(s);
                }
                // with R = 3 on three nodes, every write needs the victim's copy
                List<NodeDaemon> others = ring.nodes().stream().filter(d -> d != victim).toList();
                for (int i = 0; i < 19; i++) {
                    NodeDaemon via = others.get(i % 2);
                    byte[] content = ("written past the silent ones " + i).getBytes(StandardCharsets.UTF_8);
                    assertEquals(201, NodeHttp.put(via, "w-" + i, content).statusCode(), "write " + i);
                    assertArrayEquals(content, NodeHttp.get(victim, "w-" + i).body(), "read " + i + " through the victim");
                }
                for (Socket s : silent) {
                    assertStillOpen(s); // the writes went through while they were all held open
                }
            } finally {
                for (Socket s : silent) {
                    s.close();
                }
            }
        }
    }

    private static void assertStillOpen(Socket s) throws IOException {
        s.setSoTimeout(1);
        try {
            int r = s.getInputStream().read();
            fail("the silent connection was " + (r < 0 ? "closed" : "answered") + " before the writes were done");
        } catch (SocketTimeoutException expected) {
            // open and silent, as the client left it
        }
    }
}
