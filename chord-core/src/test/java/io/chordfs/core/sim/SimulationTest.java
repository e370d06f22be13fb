package io.chordfs.core.sim;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulationTest {
    private static final ChordConfig CONFIG = ChordConfig.defaults();

    @Test
    void thousandNodesLookupCorrectlyInAboutHalfLogNHops() {
        int n = 1000;
        SimRing ring = SimRing.build(1, n, CONFIG);
        ring.sim().runFor(60_000); // let fix_fingers go round the table
        SimRing.LookupStats stats = ring.lookupFromEveryNode(20);

        assertEquals(n * 20, stats.total());
        assertEquals(stats.total(), stats.correct(), () -> "every lookup must match the ground truth: " + stats);
        double bound = 0.5 * (Math.log(n) / Math.log(2)) + 1;
        assertTrue(stats.meanHops() <= bound, () -> "mean hops " + stats.meanHops() + " above " + bound);
        assertTrue(stats.meanHops() > 1, () -> "lookups must actually be routed: " + stats);
    }

    @Test
    void churnOfTwentyPercentFailuresAndJoinsReconverges() {
        int n = 500;
        SimRing ring = SimRing.build(2, n, CONFIG);
        ring.sim().runFor(30_000);
        Simulator sim = ring.sim();

        List<NodeRef> victims = new ArrayList<>(sim.liveMembers().values());
        java.util.Collections.shuffle(victims, sim.random());
        victims = victims.subList(0, n / 5);
        for (int i = 0; i < victims.size(); i++) {
            NodeRef victim = victims.get(i);
            sim.at(i * 50L, () -> sim.crash(victim));
            sim.at(i * 50L + 25, () -> ring.join(ring.newNode(false)));
        }
        // Lookups keep running during the churn; some may fail or be stale, none may hang.
        List<Simulator.Lookup> during = new ArrayList<>();
        List<NodeRef> origins = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sim.at(i * 50L, () -> {
                List<NodeRef> live = new ArrayList<>(sim.liveMembers().values());
                NodeRef from = live.get(sim.random().nextInt(live.size()));
                origins.add(from);
                during.add(sim.lookup(from, sim.random().nextLong() & Ring.MASK));
            });
        }
        sim.runFor(victims.size() * 50L + 1_000);

        assertTrue(sim.runUntil(ring::consistent, 600_000, 1_000), "ring must reconverge after churn");
        for (int i = 0; i < during.size(); i++) {
            assertTrue(during.get(i).result().isDone() || !sim.isAlive(origins.get(i)),
                    "a lookup from a live node must finish, with an answer or an error");
        }
        assertEquals(n, sim.liveMembers().size());
        sim.runFor(30_000);
        SimRing.LookupStats after = ring.lookupFromEveryNode(10);
        assertEquals(after.total(), after.correct(), () -> "lookups after convergence: " + after);
    }

    @Test
    void concurrentJoinsThroughOneNodeGiveOneRing() {
        Simulator sim = new Simulator(3, Simulator.Config.defaults());
        SimRing ring = new SimRing(sim, CONFIG);
        ChordNode first = ring.newNode(false);
        first.create();
        for (int i = 0; i < 60; i++) {
            ChordNode joiner = ring.newNode(false);
            sim.at(10, () -> joiner.join(first.self()));
        }
        assertTrue(sim.runUntil(ring::consistent, 300_000, 500), "60 simultaneous joins must give one ring");
        assertEquals(61, sim.liveMembers().size());
    }

    @Test
    void sameSeedSameRun() {
        SimRing a = SimRing.build(7, 50, CONFIG);
        SimRing b = SimRing.build(7, 50, CONFIG);
        assertEquals(a.sim().now(), b.sim().now());
        assertEquals(a.sim().messages(), b.sim().messages());
        assertEquals(a.sim().liveMembers(), b.sim().liveMembers());
    }

    @Test
    void successorFailuresAreRepairedFromTheList() {
        SimRing ring = SimRing.build(4, 40, CONFIG);
        Simulator sim = ring.sim();
        List<NodeRef> ordered = new ArrayList<>(sim.liveMembers().values());
        // Three consecutive nodes fail at once: their predecessor must skip all of them.
        sim.crash(ordered.get(10));
        sim.crash(ordered.get(11));
        sim.crash(ordered.get(12));
        assertTrue(sim.runUntil(ring::consistent, 60_000, 200));
        assertEquals(ordered.get(13), sim.node(ordered.get(9)).successor());
        assertEquals(ordered.get(9), sim.node(ordered.get(13)).predecessor());
    }

    @Test
    void gracefulLeaveTellsBothNeighboursAtOnce() {
        SimRing ring = SimRing.build(5, 20, CONFIG);
        Simulator sim = ring.sim();
        List<NodeRef> ordered = new ArrayList<>(sim.liveMembers().values());
        NodeRef pred = ordered.get(4);
        NodeRef leaver = ordered.get(5);
        NodeRef succ = ordered.get(6);
        var left = new java.util.concurrent.CompletableFuture<Void>();
        sim.at(0, () -> sim.node(leaver).leave().whenComplete((v, e) -> left.complete(null)));
        sim.runUntil(left::isDone, 10_000, 1);
        // Before any stabilize round could notice: both neighbours already point past the leaver.
        assertEquals(succ, sim.node(pred).successor());
        assertEquals(pred, sim.node(succ).predecessor());
        assertFalse(sim.node(leaver).inRing());
        sim.crash(leaver);
        assertTrue(sim.runUntil(ring::consistent, 30_000, 200));
    }

    @Test
    void aLeaverThatStillAnswersIsNeverAdoptedAgain() {
        SimRing ring = SimRing.build(10, 40, ChordConfig.defaults().withPeriods(50, 50));
        Simulator sim = ring.sim();
        for (int round = 0; round < 20; round++) {
            List<NodeRef> members = new ArrayList<>(sim.liveMembers().values());
            NodeRef leaver = members.get(sim.random().nextInt(members.size()));
            // At a random moment, so that some neighbour's stabilize round is in flight.
            sim.at(sim.random().nextInt(50), () -> sim.node(leaver).leave());
            sim.runFor(3_000);   // dozens of stabilize rounds while the leaver still answers everything
            for (NodeRef n : sim.liveMembers().values()) {
                assertFalse(sim.node(n).successors().contains(leaver), () -> n + " adopted the leaver " + leaver + " again");
                assertNotEquals(leaver, sim.node(n).predecessor(), () -> n + " took the leaver " + leaver + " as predecessor");
            }
            sim.crash(leaver);
        }
        assertTrue(sim.runUntil(ring::consistent, 30_000, 200));
    }

    @Test
    void aNodeCutOffAloneComesBackIntoTheRingWhenThePartitionHeals() {
        SimRing ring = SimRing.build(8, 30, CONFIG);
        Simulator sim = ring.sim();
        NodeRef island = new ArrayList<>(sim.liveMembers().values()).get(7);
        sim.partition(Set.of(island));
        // Long enough for the island to lose every successor and the others to drop it.
        sim.runFor(60_000);
        assertEquals(island, sim.node(island).successor(), "cut off, the node is a ring of one");
        assertFalse(sim.liveMembers().values().stream().filter(n -> !n.equals(island))
                .anyMatch(n -> sim.node(n).successors().contains(island)), "the others dropped it");

        sim.heal();
        assertTrue(sim.runUntil(ring::consistent, 120_000, 500), "one ring again after the partition heals");
        sim.runFor(30_000);
        SimRing.LookupStats after = ring.lookupFromEveryNode(10);
        assertEquals(after.total(), after.correct(), () -> "lookups after the merge: " + after);
    }

    @Test
    void twoHalvesThatFormedRingsOfTheirOwnMergeWhenThePartitionHeals() {
        SimRing ring = SimRing.build(9, 60, CONFIG);
        Simulator sim = ring.sim();
        sim.runFor(30_000);   // full fingers: both halves remember peers on the other side
        List<NodeRef> all = new ArrayList<>(sim.liveMembers().values());
        java.util.Collections.shuffle(all, sim.random());
        Set<NodeRef> half = new HashSet<>(all.subList(0, all.size() / 2));
        sim.partition(half);
        sim.runFor(120_000);
        NodeRef inHalf = half.iterator().next();
        assertTrue(sim.node(inHalf).successors().stream().allMatch(half::contains),
                "each side formed a ring of its own: " + sim.node(inHalf).successors());

        sim.heal();
        assertTrue(sim.runUntil(ring::consistent, 600_000, 1_000), "the two rings merge into one");
        sim.runFor(30_000);
        SimRing.LookupStats after = ring.lookupFromEveryNode(10);
        assertEquals(after.total(), after.correct(), () -> "lookups after the merge: " + after);
    }

    @Test
    void createOnAMemberChangesNothing() {
        SimRing ring = SimRing.build(6, 10, CONFIG);
        ChordNode node = ring.sim().node(ring.sim().liveMembers().firstEntry().getValue());
        List<NodeRef> before = node.successors();
        NodeRef pred = node.predecessor();
        node.create();
        assertEquals(before, node.successors());
        assertEquals(pred, node.predecessor());
        assertTrue(ring.consistent());
    }

    @Test
    void ringWithLegacyPeersThatOnlyKnowTheRpcTable() {
        Simulator sim = new Simulator(8, Simulator.Config.defaults());
        SimRing ring = new SimRing(sim, CONFIG);
        ChordNode first = ring.newNode(true);
        first.create();
        for (int i = 1; i < 30; i++) {
            boolean legacy = i % 2 == 0;
            sim.at(i * 20L, () -> ring.join(ring.newNode(legacy)));
        }
        sim.runFor(30 * 20L);
        assertTrue(sim.runUntil(() -> ring.consistent(false), 120_000, 500));
        sim.runFor(10_000);
        SimRing.LookupStats stats = ring.lookupFromEveryNode(10);
        assertEquals(stats.total(), stats.correct(), stats::toString);
        // Our nodes still keep more than the immediate successor, read with get_successor(i).
        NodeRef ours = sim.liveMembers().values().stream()
                .filter(r -> r.ip().equals("sim-1")).findFirst().orElseThrow();
        assertTrue(sim.node(ours).successors().size() >= 3);
        assertNotEquals(sim.node(ours).successors().get(0), sim.node(ours).successors().get(1));
    }
}
