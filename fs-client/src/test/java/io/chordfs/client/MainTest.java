package io.chordfs.client;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run("frobnicate"));
        assertEquals(2, run("lookup", "a.txt"));
        assertEquals(2, run("ring", "host:notaport"));
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("lookup "));
    }

    @Test
    void unreachableNodeIsOneClearLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertEquals(1, run("ring", "127.0.0.1:" + port));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("cannot reach node 127.0.0.1:" + port), e);
        assertEquals(1, e.lines().count());
    }

    @Test
    void ringAndLookupAgainstARealRing() throws Exception {
        List<ChordService> ring = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                ChordService s = ChordService.start(ChordService.Options.of("127.0.0.1", 0)
                        .withChord(ChordConfig.defaults().withPeriods(50, 50)));
                ring.add(s);
                if (i == 0) {
                    s.create().get();
                } else {
                    s.join(ring.get(0).self().address()).get();
                }
            }
            long deadline = System.currentTimeMillis() + 20_000;
            while (!RingCheck.consistent(ring.stream().map(ChordService::node).toList(), true)) {
                assertTrue(System.currentTimeMillis() < deadline, "ring converges");
                Thread.sleep(20);
            }
            String entry = "127.0.0.1:" + ring.get(1).self().port();
            assertEquals(0, run("ring", entry));
            String table = out.toString(StandardCharsets.UTF_8);
            assertTrue(table.contains("3 nodes"), table);
            for (ChordService s : ring) {
                assertTrue(table.contains(String.valueOf(s.self().id())), table);
            }
            out.reset();
            assertEquals(0, run("lookup", "a.txt", entry));
            List<NodeRef> sorted = ring.stream().map(ChordService::self).sorted(Comparator.comparingLong(NodeRef::id)).toList();
            NodeRef owner = sorted.stream().filter(r -> r.id() >= 607204990L).findFirst().orElse(sorted.get(0));
            String line = out.toString(StandardCharsets.UTF_8);
            assertTrue(line.contains("key 607204990"), line);
            assertTrue(line.contains("owner 127.0.0.1:" + owner.port()), line);
        } finally {
            ring.forEach(ChordService::close);
        }
    }
}
