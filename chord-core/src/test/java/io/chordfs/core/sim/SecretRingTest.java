package io.chordfs.core.sim;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.ClusterSecret;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ring with a cluster secret, simulated: nodes without the secret, or with another one, never
 * become anyone's successor or predecessor, and goodbyes, notifies, creates and joins that carry no
 * proof change nothing; the read-only table stays open to them.
 */
class SecretRingTest {
    private static final ChordConfig CONFIG = ChordConfig.defaults();

    private static ChordConfig withSecret(String s) {
        return CONFIG.withClusterSecret(ClusterSecret.of(s)); // each node its own instance, as each process has
    }

    private static NodeRef ref(Simulator sim, int i) {
        return new NodeRef("sim-" + i, 5057, sim.random().nextLong() & Ring.MASK);
    }

    private static boolean touches(List<ChordNode> members, NodeRef outsider) {
        for (ChordNode m : members) {
            if (m.successors().contains(outsider) || outsider.equals(m.predecessor())) {
                return true;
            }
            for (int i = 0; i < Ring.BITS; i++) {
                if (outsider.equals(m.finger(i))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void onlyMembersEnterAndUnprovenMembershipCallsChangeNothing() {
        Simulator sim = new Simulator(11, Simulator.Config.defaults());
        List<ChordNode> members = new ArrayList<>();
        members.add(sim.addNode(ref(sim, 0), withSecret("s")));
        members.get(0).create();
        for (int i = 1; i < 12; i++) {
            ChordNode n = sim.addNode(ref(sim, i), withSecret("s"));
            members.add(n);
            sim.at(i * 20L, () -> n.join(members.get(0).self()));
        }
        assertTrue(sim.runUntil(() -> RingCheck.consistent(members, true), 120_000, 500), "the members form one ring");

        ChordNode intruder = sim.addNode(ref(sim, 100), CONFIG);
        ChordNode wrongSecret = sim.addNode(ref(sim, 101), withSecret("not the secret"));
        CompletableFuture<Void> badJoin = wrongSecret.join(members.get(3).self());
        intruder.join(members.get(5).self());
        ChordNode victim = members.get(7);
        List<NodeRef> others = members.stream().map(ChordNode::self).filter(r -> !r.equals(victim.self())).toList();
        for (int t = 0; t < 10_000; t += 500) {
            sim.at(t, () -> {
                // Forged goodbyes both ways, a bare notify, create and join from outside.
                victim.handle(ChordNode.LEAVE, List.of(Wire.node(others.get(0)), Wire.node(NodeRef.NONE),
                        Wire.nodes(List.of(intruder.self())), "v1.0.0000000000000000.1.00"));
                victim.handle(ChordNode.LEAVE, List.of(Wire.node(victim.predecessor()), Wire.node(intruder.self()),
                        Wire.nodes(List.of(intruder.self()))));
                victim.handle(ChordNode.NOTIFY, List.of(Wire.node(intruder.self())));
                victim.handle(ChordNode.PROVEN_NOTIFY, List.of(Wire.node(intruder.self()), "forged"));
                victim.handle(ChordNode.CREATE, List.of());
                victim.handle(ChordNode.JOIN, List.of(Wire.node(intruder.self())));
                victim.handleNotification(ChordNode.KILL, List.of("s"));
            });
        }
        sim.runFor(30_000);
        assertTrue(badJoin.isCompletedExceptionally(), "a node with another secret cannot join");
        assertTrue(RingCheck.consistent(members, true), "the members are still one ring, every list exact");
        assertFalse(touches(members, intruder.self()), "no member points at the node without the secret");
        assertFalse(touches(members, wrongSecret.self()), "nor at the one with another secret");
        assertTrue(victim.inRing(), "a kill notification is ignored");

        // The course's read-only methods stay open to anyone.
        NodeRef owner = members.get(2).self();
        CompletableFuture<Object> found = victim.handle(ChordNode.FIND_SUCCESSOR, List.of(owner.id()));
        sim.runFor(5_000);
        assertEquals(owner, Wire.parseNode("find_successor", found.join()));
        assertEquals(Wire.node(victim.self()), victim.handle(ChordNode.GET_INFO, List.of()).join());
        assertFalse(Arrays.asList(victim.handle(ChordNode.GET_PREDECESSOR, List.of()).join()).isEmpty());
    }

    @Test
    void withoutASecretAKillNotificationIsIgnoredToo() {
        Simulator sim = new Simulator(12, Simulator.Config.defaults());
        ChordNode a = sim.addNode(ref(sim, 0), CONFIG);
        a.create();
        ChordNode b = sim.addNode(ref(sim, 1), CONFIG);
        b.join(a.self());
        assertTrue(sim.runUntil(() -> RingCheck.consistent(List.of(a, b), true), 30_000, 100));
        b.handleNotification(ChordNode.KILL, List.of());
        sim.runFor(2_000);
        assertTrue(b.inRing(), "one stray packet does not take a node out");
        b.handle(ChordNode.KILL, List.of());
        sim.runFor(2_000);
        assertFalse(b.inRing(), "kill as a call works as the table says");
    }
}
