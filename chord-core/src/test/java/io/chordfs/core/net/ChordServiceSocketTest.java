package io.chordfs.core.net;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordListener;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.ClusterSecret;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcError;
import io.chordfs.core.rpc.RpcLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real nodes on loopback sockets (ephemeral ports), in one JVM. */
class ChordServiceSocketTest {
    private final List<ChordService> services = new ArrayList<>();

    @AfterEach
    void stopAll() {
        services.forEach(ChordService::close);
    }

    private List<ChordService> startRing(int n, ChordConfig config) throws Exception {
        for (int i = 0; i < n; i++) {
            ChordService s = ChordService.start(ChordService.Options.of("127.0.0.1", 0).withChord(config));
            services.add(s);
            if (i == 0) {
                s.create().get(5, TimeUnit.SECONDS);
            } else {
                s.join(services.get(0).self().address()).get(10, TimeUnit.SECONDS);
            }
        }
        return new ArrayList<>(services);
    }

    private static List<ChordNode> nodes(List<ChordService> live) {
        return live.stream().map(ChordService::node).toList();
    }

    private static void await(BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    private static NodeRef owner(List<ChordService> live, long id) {
        List<NodeRef> sorted = live.stream().map(ChordService::self).sorted(Comparator.comparingLong(NodeRef::id)).toList();
        return sorted.stream().filter(r -> r.id() >= id).findFirst().orElse(sorted.get(0));
    }

    /** Every node answers find_successor over the wire with the true owner. */
    private static void assertLookupsCorrect(List<ChordService> live, Random random) throws Exception {
        try (RpcClient client = new RpcClient(RpcLimits.defaults())) {
            for (ChordService s : live) {
                for (int i = 0; i < 25; i++) {
                    long id = random.nextLong() & Ring.MASK;
                    Object answer = client.callSync(s.self().address(), ChordNode.FIND_SUCCESSOR, List.of(id), Duration.ofSeconds(10));
                    assertEquals(owner(live, id), Wire.parseNode("test", answer), "lookup of " + id + " at " + s.self());
                }
            }
        }
    }

    @Test
    void eightNodesJoinOneStopsAbruptlyAndTheRingRepairs() throws Exception {
        ChordConfig fast = ChordConfig.defaults().withPeriods(50, 50);
        List<ChordService> live = startRing(8, fast);
        await(() -> RingCheck.consistent(nodes(live), true), 30_000, "8 nodes form one ring");
        Random random = new Random(11);
        assertLookupsCorrect(live, random);

        ChordService victim = live.remove(3);
        victim.close();
        await(() -> RingCheck.consistent(nodes(live), true), 30_000, "7 nodes repair the ring");
        assertLookupsCorrect(live, random);
    }

    @Test
    void killLeavesCleanlyAndTellsTheNeighbours() throws Exception {
        List<ChordService> live = startRing(5, ChordConfig.defaults().withPeriods(50, 50));
        await(() -> RingCheck.consistent(nodes(live), true), 30_000, "5 nodes form one ring");
        List<ChordService> sorted = new ArrayList<>(live);
        sorted.sort(Comparator.comparingLong(s -> s.self().id()));
        ChordService leaver = sorted.get(2);
        CountDownLatch killed = new CountDownLatch(1);
        leaver.setListener(new ChordListener() {
            @Override
            public void killed() {
                killed.countDown();
            }
        });
        try (RpcClient client = new RpcClient(RpcLimits.defaults())) {
            assertEquals(null, client.callSync(leaver.self().address(), ChordNode.KILL, List.of()));
        }
        assertTrue(killed.await(5, TimeUnit.SECONDS), "the host learns of the kill");
        // The leaver still answers RPCs, so stabilizing alone would never route around it:
        // only its goodbye can have moved the neighbours' pointers.
        assertEquals(sorted.get(3).self(), sorted.get(1).node().successor());
        assertEquals(sorted.get(1).self(), sorted.get(3).node().predecessor());
        live.remove(leaver);
        await(() -> RingCheck.consistent(nodes(live), true), 30_000, "the other 4 form one ring");
    }

    @Test
    void withAClusterSecretKillIsRefusedWithoutItAndLeavesCleanlyWithIt() throws Exception {
        ChordConfig guarded = ChordConfig.defaults().withPeriods(50, 50).withClusterSecret(ClusterSecret.of("s3cret"));
        List<ChordService> live = startRing(5, guarded);
        await(() -> RingCheck.consistent(nodes(live), true), 30_000, "5 nodes form one ring");
        List<ChordService> sorted = new ArrayList<>(live);
        sorted.sort(Comparator.comparingLong(s -> s.self().id()));
        ChordService target = sorted.get(2);
        CountDownLatch killed = new CountDownLatch(1);
        target.setListener(new ChordListener() {
            @Override
            public void killed() {
                killed.countDown();
            }
        });
        try (RpcClient client = new RpcClient(RpcLimits.defaults())) {
            for (List<Object> params : List.<List<Object>>of(List.of(), List.of("wrong"))) {
                RpcError refused = assertThrows(RpcError.class,
                        () -> client.callSync(target.self().address(), ChordNode.KILL, params), "kill " + params);
                assertTrue(refused.getMessage().contains("kill requires the cluster secret"), refused.getMessage());
            }
            // Refused means untouched: the node still serves, and it is still in the ring.
            assertEquals(Wire.node(target.self()), client.callSync(target.self().address(), ChordNode.GET_INFO, List.of()));
            assertEquals(1, killed.getCount(), "a refused kill must not reach the host");
            assertTrue(target.node().inRing());
            assertTrue(RingCheck.consistent(nodes(live), true), "a refused kill leaves the ring as it was");

            assertEquals(null, client.callSync(target.self().address(), ChordNode.KILL, List.of("s3cret")));
        }
        assertTrue(killed.await(5, TimeUnit.SECONDS), "the host learns of the kill");
        assertEquals(sorted.get(3).self(), sorted.get(1).node().successor(), "the predecessor was told");
        assertEquals(sorted.get(1).self(), sorted.get(3).node().predecessor(), "the successor was told");
        live.remove(target);
        await(() -> RingCheck.consistent(nodes(live), true), 30_000, "the other 4 form one ring");
    }
}
