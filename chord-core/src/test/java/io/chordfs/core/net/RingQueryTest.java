package io.chordfs.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Walking a ring of real nodes (loopback, ephemeral ports) from outside, and how each failure reads. */
class RingQueryTest {
    private final List<ChordService> services = new ArrayList<>();
    private final RpcClient rpc = new RpcClient(RpcLimits.defaults());
    private final RingQuery query = new RingQuery(rpc, Duration.ofMillis(500));

    @AfterEach
    void stop() {
        services.forEach(ChordService::close);
        rpc.close();
    }

    @Test
    void walksEveryMemberInSuccessorOrderFromTheEntry() throws Exception {
        for (int i = 0; i < 4; i++) {
            ChordService s = ChordService.start(ChordService.Options.of("127.0.0.1", 0)
                    .withChord(ChordConfig.defaults().withPeriods(50, 50)));
            services.add(s);
            if (i == 0) {
                s.create().get(5, TimeUnit.SECONDS);
            } else {
                s.join(services.get(0).self().address()).get(10, TimeUnit.SECONDS);
            }
        }
        List<NodeRef> byId = services.stream().map(ChordService::self).sorted(Comparator.comparingLong(NodeRef::id))
                .toList();
        ChordService entry = services.get(2);
        int at = byId.indexOf(entry.self());
        List<NodeRef> expected = new ArrayList<>(byId.subList(at, byId.size()));
        expected.addAll(byId.subList(0, at));
        long deadline = System.currentTimeMillis() + 10_000;
        List<NodeRef> walked = query.members(entry.self().address());
        while (!walked.equals(expected) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50); // stabilization still settling the successors
            walked = query.members(entry.self().address());
        }
        assertEquals(expected, walked);
    }

    @Test
    void aRefusedConnectionNamesTheNode() throws Exception {
        InetSocketAddress closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
        InetSocketAddress at = closed;
        IOException e = assertThrows(IOException.class, () -> query.members(at));
        assertTrue(e.getMessage().startsWith("cannot reach node 127.0.0.1:" + at.getPort() + " ("), e.getMessage());
    }

    @Test
    void aNodeThatNeverAnswersTimesOut() throws Exception {
        // Accepts connections (the kernel's backlog) and never reads: only the call timeout ends the wait.
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", silent.getLocalPort());
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> query.node(at, ChordNode.GET_INFO, List.of()));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("node 127.0.0.1:" + at.getPort() + " did not answer get_info", e.getMessage());
            assertTrue(ms >= 400 && ms < 5_000, ms + " ms");
        }
    }
}
