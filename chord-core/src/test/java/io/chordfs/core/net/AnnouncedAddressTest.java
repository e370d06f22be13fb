package io.chordfs.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node that listens on one address and announces another (EC2's public IPv4 is on no
 * interface): its identity on the wire, and the id, come from the announced address.
 */
class AnnouncedAddressTest {
    private final List<ChordService> services = new ArrayList<>();
    private final RpcClient rpc = new RpcClient(RpcLimits.defaults());

    @AfterEach
    void stop() {
        services.forEach(ChordService::close);
        rpc.close();
    }

    private ChordService start(ChordService.Options options) throws Exception {
        ChordService s = ChordService.start(options.withChord(ChordConfig.defaults().withPeriods(50, 50)));
        services.add(s);
        return s;
    }

    private static String randomLoopback() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "127." + (1 + r.nextInt(254)) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
    }

    private NodeRef ask(InetSocketAddress at, String method) throws Exception {
        return Wire.parseNode(method, rpc.callSync(at, method, List.of(), Duration.ofSeconds(2)));
    }

    @Test
    void getInfoAndTheIdComeFromTheAnnouncedAddress() throws Exception {
        String listen = randomLoopback();
        String announced = "203.0.113.7"; // reachable from nowhere here: only what the node says is checked
        ChordService node = start(ChordService.Options.of(listen, 0).withAnnounceIp(announced));
        int port = node.self().port();
        NodeRef expected = new NodeRef(announced, port, Keys.nodeId(announced, port));
        assertEquals(expected, node.self());
        assertEquals(expected, ask(new InetSocketAddress(listen, port), ChordNode.GET_INFO));
        node.create().get(5, TimeUnit.SECONDS);
        assertEquals(expected, ask(new InetSocketAddress(listen, port), ChordNode.GET_SUCCESSOR),
                "alone, it is its own successor under the announced identity");
    }

    @Test
    void aRingFormsThroughTheAnnouncedAddress() throws Exception {
        // Listening on the wildcard address, the node is reached at the announced one.
        String announced = randomLoopback();
        ChordService first = start(ChordService.Options.of("0.0.0.0", 0).withAnnounceIp(announced));
        int port = first.self().port();
        assertEquals(new NodeRef(announced, port, Keys.nodeId(announced, port)), first.self());
        first.create().get(5, TimeUnit.SECONDS);

        ChordService second = start(ChordService.Options.of(randomLoopback(), 0));
        second.join(new InetSocketAddress(announced, port)).get(10, TimeUnit.SECONDS);
        long deadline = System.currentTimeMillis() + 10_000;
        while (!(first.self().equals(second.node().successor()) && first.self().equals(second.node().predecessor())
                && second.self().equals(first.node().successor()) && second.self().equals(first.node().predecessor()))) {
            assertTrue(System.currentTimeMillis() < deadline, "no ring of two: " + first.node().successor() + " "
                    + second.node().successor());
            Thread.sleep(20);
        }
        assertEquals(List.of(first.self(), second.self()),
                new RingQuery(rpc, Duration.ofSeconds(2)).members(new InetSocketAddress(announced, port)));
    }
}
