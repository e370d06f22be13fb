package io.chordfs.node;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.chordfs.node.NodeHttp.holds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ring with a cluster secret against the two attacks that got into one, with real nodes on
 * loopback: a node without the secret joining, and forged goodbyes; a node with the wrong secret
 * too. The ring stays one ring of its members, no object moves to an outsider, no honest copy is
 * dropped, and nothing a member sends an outsider holds the secret.
 */
class SecretRingNodeTest {
    private static final String SECRET = "the-ring's-secret-4f1d";

    @Test
    void outsidersNeitherEnterNorSplitTheRing(@TempDir Path dir) throws Exception {
        try (TestRing ring = new TestRing(dir); RpcClient rpc = new RpcClient(RpcLimits.defaults())) {
            for (int i = 0; i < 3; i++) {
                ring.add(c -> c.withClusterSecret(SECRET));
            }
            ring.awaitConsistent();
            List<NodeDaemon> members = List.copyOf(ring.nodes());
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                names.add("secret-file-" + i);
                assertEquals(204, NodeHttp.upload(members.get(i % 3), names.get(i), ("f" + i).getBytes(StandardCharsets.UTF_8)));
            }

            // A node without the secret, and one with another secret, try to join through a member.
            NodeDaemon intruder = NodeDaemon.start(NodeDaemon.Config.of(ring.nextIp(), dir.resolve("intruder"))
                    .withChord(TestRing.FAST).withRepairPeriod(TestRing.REPAIR_MS));
            NodeDaemon wrong = NodeDaemon.start(NodeDaemon.Config.of(ring.nextIp(), dir.resolve("wrong"))
                    .withChord(TestRing.FAST).withRepairPeriod(TestRing.REPAIR_MS).withClusterSecret("not-" + SECRET));
            try {
                intruder.join(members.get(0).self().address(), 3_000);
                assertThrows(IOException.class, () -> wrong.join(members.get(1).self().address(), 3_000));

                // Forged goodbyes for 10 s: telling each member that its neighbours left, with no
                // proof and with a made-up one.
                long end = System.currentTimeMillis() + 10_000;
                while (System.currentTimeMillis() < end) {
                    for (NodeDaemon m : members) {
                        for (NodeDaemon other : members) {
                            if (other == m) {
                                continue;
                            }
                            List<Object> bye = List.of(Wire.node(other.self()), Wire.node(NodeRef.NONE), Wire.nodes(List.of(m.self())));
                            call(rpc, m, ChordNode.LEAVE, bye);
                            List<Object> forged = new ArrayList<>(bye);
                            forged.add("v1." + System.currentTimeMillis() + ".0123456789abcdef.1.00");
                            call(rpc, m, ChordNode.LEAVE, forged);
                        }
                        call(rpc, m, ChordNode.NOTIFY, List.of(Wire.node(intruder.self())));
                    }
                    Thread.sleep(200);
                }
                Thread.sleep(5 * TestRing.REPAIR_MS);
                assertTrue(RingCheck.consistent(members.stream().map(d -> d.chord().node()).toList(), true),
                        "the members are one ring, every successor list exact");
                for (NodeDaemon m : members) {
                    assertFalse(m.chord().node().successors().contains(intruder.self()), "no member follows the intruder");
                    assertFalse(intruder.self().equals(m.chord().node().predecessor()));
                    assertFalse(m.chord().node().successors().contains(wrong.self()));
                }
                for (String name : names) {
                    for (NodeDaemon m : members) {
                        assertTrue(holds(m, name), name + " is still on " + m.self() + " (no honest copy dropped)");
                    }
                }
                assertTrue(intruder.store().list().isEmpty(), "no object moved to the intruder");
                assertTrue(wrong.store().list().isEmpty(), "nor to the node with another secret");
            } finally {
                intruder.halt();
                wrong.halt();
            }
        }
    }

    private static void call(RpcClient rpc, NodeDaemon to, String method, List<Object> params) {
        try {
            rpc.callSync(to.self().address(), method, params, Duration.ofSeconds(5));
        } catch (Exception refused) {
            // an error answer is what a forged call gets at best
        }
    }

    /**
     * Everything a member answers an outsider, on the Chord port and the transfer port, for every
     * request an outsider can make: nothing in it holds the secret.
     */
    @Test
    void nothingAMemberSendsAnOutsiderHoldsTheSecret(@TempDir Path dir) throws Exception {
        try (TestRing ring = new TestRing(dir); RpcClient rpc = new RpcClient(RpcLimits.defaults())) {
            for (int i = 0; i < 2; i++) {
                ring.add(c -> c.withClusterSecret(SECRET));
            }
            ring.awaitConsistent();
            NodeDaemon m = ring.nodes().get(0);
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            for (String method : List.of(ChordNode.GET_INFO, ChordNode.GET_PREDECESSOR, ChordNode.GET_SUCCESSOR,
                    ChordNode.SUCCESSOR_LIST, ChordNode.CREATE)) {
                try {
                    seen.writeBytes(String.valueOf(rpc.callSync(m.self().address(), method, List.of(), Duration.ofSeconds(5)))
                            .getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                    seen.writeBytes(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
                }
            }
            for (String request : List.of("GET /objects?from=0&to=0", "GET /digest?from=0&to=0", "GET /meta/a",
                    "POST /notify_join_system", "PUT /objects/a?prepare=0123456789abcdef")) {
                seen.writeBytes(raw(m, request));
            }
            String all = seen.toString(StandardCharsets.ISO_8859_1);
            assertTrue(all.contains("403"), "the transfer port refused: " + all);
            assertFalse(all.contains(SECRET), all);
            assertFalse(all.contains("X-ChordFS-Secret"), all);
        }
    }

    /** One raw HTTP request to a node's transfer port, with no proof; every byte of the answer. */
    private static byte[] raw(NodeDaemon to, String requestLine) throws IOException {
        InetSocketAddress at = new InetSocketAddress(to.self().ip(), PortLayout.peer(to.self().port()));
        try (Socket s = new Socket()) {
            s.connect(at, 5_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write((requestLine + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return in.readAllBytes();
        }
    }
}
