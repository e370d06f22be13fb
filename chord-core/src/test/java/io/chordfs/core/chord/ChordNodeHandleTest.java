package io.chordfs.core.chord;

import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The RPC table of one node, without a network: shapes, errors, and the no-op create. */
class ChordNodeHandleTest {
    private final NodeRef self = new NodeRef("127.0.0.1", 15057, 4037961426L);
    private final List<String> sent = new ArrayList<>();
    private ChordNode node;

    @BeforeEach
    void setUp() {
        node = lonelyNode(ChordConfig.defaults());
    }

    private ChordNode lonelyNode(ChordConfig config) {
        Transport unreachable = (peer, method, params) -> {
            sent.add(method);
            return CompletableFuture.failedFuture(new IOException("unreachable"));
        };
        ChordNode n = new ChordNode(self, config, unreachable, () -> 0);
        n.create();
        return n;
    }

    /** Counts the kills the host is told of. */
    private static int[] countKills(ChordNode n) {
        int[] kills = new int[1];
        n.setListener(new ChordListener() {
            @Override
            public void killed() {
                kills[0]++;
            }
        });
        return kills;
    }

    private Object call(String method, Object... params) throws Exception {
        return node.handle(method, List.of(params)).get();
    }

    private String error(String method, Object... params) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> call(method, params));
        assertInstanceOf(RpcError.class, e.getCause());
        return e.getCause().getMessage();
    }

    @Test
    void getInfoIsTheNodeOnTheWire() throws Exception {
        assertEquals(List.of("127.0.0.1", 15057L, 4037961426L), call("get_info"));
    }

    @Test
    void aLoneNodeIsItsOwnSuccessorAndHasNoPredecessor() throws Exception {
        assertEquals(Wire.node(self), call("get_successor"));
        assertEquals(Wire.node(self), call("get_successor", 0L));
        assertEquals(List.of("", 0L, 0L), call("get_predecessor"));
        assertEquals(Wire.node(self), call("find_successor", 607204990L));
    }

    @Test
    void notifyAdoptsAPredecessorAndAcceptsBinIp() throws Exception {
        assertNull(call("notify", List.of("127.0.0.2".getBytes(), 5057L, 42L)));
        assertEquals(new NodeRef("127.0.0.2", 5057, 42), node.predecessor());
        assertEquals(List.of("127.0.0.2", 5057L, 42L), call("get_predecessor"));
    }

    @Test
    void createOnANodeInARingChangesNothing() throws Exception {
        call("notify", List.of("127.0.0.2", 5057L, 42L));
        List<NodeRef> before = node.successors();
        assertNull(call("create"));
        assertEquals(before, node.successors());
        assertEquals(new NodeRef("127.0.0.2", 5057, 42), node.predecessor());
    }

    @Test
    void badInputGetsAnErrorAnswer() {
        assertTrue(error("find_successor", -1L).contains("non-negative"));
        assertTrue(error("find_successor", 1L << 32).contains("out of range"));
        assertTrue(error("find_successor", "a.txt").contains("integer"));
        assertTrue(error("find_successor").contains("expected 1"));
        assertTrue(error("find_successor", 1L, 2L).contains("expected 1"));
        assertTrue(error("get_successor", 5L).contains("beyond"));
        assertTrue(error("get_successor", -1L).contains("non-negative"));
        assertTrue(error("notify", List.of("x", 1L)).contains("[ip, port, id]"));
        assertTrue(error("notify", List.of("x", 70000L, 1L)).contains("port"));
        assertTrue(error("notify", List.of(5L, 1L, 1L)).contains("ip"));
        assertTrue(error("notify", "nope").contains("[ip, port, id]"));
        assertTrue(error("no_such_method").contains("unknown method"));
        assertTrue(error("join", List.of("127.0.0.1", 15057L, 4037961426L)).contains("cannot join"));
    }

    @Test
    void joinFailsCleanlyWhenTheEntryNodeIsUnreachable() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> node.join(new NodeRef("127.0.0.9", 5057, 7)).get());
        assertInstanceOf(IOException.class, e.getCause());
        assertEquals(List.of("find_successor"), sent);
        assertTrue(node.inRing(), "a failed join leaves the node in its own ring");
    }

    @Test
    void killLeavesAndTellsTheHost() throws Exception {
        int[] kills = countKills(node);
        assertNull(call("kill"));
        assertEquals(1, kills[0]);
        assertFalse(node.inRing());
    }

    @Test
    void withoutAClusterSecretKillTakesAnyStringToo() throws Exception {
        // A client configured with a secret may call a node that has none: the node is open anyway.
        int[] kills = countKills(node);
        assertNull(call("kill", "whatever"));
        assertEquals(1, kills[0]);
        assertTrue(error("kill", 5L).contains("the secret must be a string"));
    }

    @Test
    void withAClusterSecretKillWithoutItOrWithAWrongOneIsRefusedAndTheNodeStays() throws Exception {
        node = lonelyNode(ChordConfig.defaults().withClusterSecret(ClusterSecret.of("s3cret")));
        int[] kills = countKills(node);
        assertTrue(error("kill").contains("kill requires the cluster secret"));
        assertTrue(error("kill", "wrong").contains("kill requires the cluster secret"));
        assertTrue(error("kill", "s3cre").contains("kill requires the cluster secret"));
        assertTrue(error("kill", "s3cret ").contains("kill requires the cluster secret"));
        assertTrue(error("kill", "").contains("kill requires the cluster secret"));
        assertTrue(error("kill", 1L).contains("the secret must be a string"));
        assertTrue(error("kill", "s3cret", "s3cret").contains("expected 0 to 1"));
        assertEquals(0, kills[0]);
        assertTrue(node.inRing(), "a refused kill changes nothing");

        assertNull(call("kill", "s3cret"));
        assertEquals(1, kills[0]);
        assertFalse(node.inRing());
    }

    @Test
    void theSecretMayArriveAsMsgpackBin() throws Exception {
        node = lonelyNode(ChordConfig.defaults().withClusterSecret(ClusterSecret.of("sécret")));
        assertTrue(error("kill", "secret".getBytes(StandardCharsets.UTF_8)).contains("cluster secret"));
        assertNull(call("kill", (Object) "sécret".getBytes(StandardCharsets.UTF_8)));
        assertFalse(node.inRing());
    }

    @Test
    void theConfigNeverPrintsTheSecret() {
        ChordConfig config = ChordConfig.defaults().withClusterSecret(ClusterSecret.of("s3cret"));
        assertFalse(config.toString().contains("s3cret"), config.toString());
    }
}
