package io.chordfs.core.sim;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A ring of simulated nodes with the checks tests and benchmarks ask of it. */
public final class SimRing {
    private static final long JOIN_RETRY_MS = 1_000;
    private static final long JOIN_SPACING_MS = 5;

    private final Simulator sim;
    private final ChordConfig config;
    private final Set<Long> usedIds = new HashSet<>();
    private int created;

    public SimRing(Simulator sim, ChordConfig config) {
        this.sim = sim;
        this.config = config;
    }

    /**
     * Builds a ring of n nodes and runs it until consistent. Nodes join in waves that at most
     * double the ring, each wave given time to settle, as a growing fleet would: joins that pile
     * into one gap all at once take a stabilize round each to sort out.
     */
    public static SimRing build(long seed, int n, ChordConfig config) {
        SimRing ring = new SimRing(new Simulator(seed, Simulator.Config.defaults()), config);
        ring.newNode(false).create();
        int members = 1;
        while (members < n) {
            int wave = Math.min(n - members, Math.max(1, members / 2));
            for (int i = 0; i < wave; i++) {
                ring.sim.at(i * JOIN_SPACING_MS, () -> ring.join(ring.newNode(false)));
            }
            ring.sim.runFor(wave * JOIN_SPACING_MS);
            if (!ring.sim.runUntil(ring::consistent, 3_600_000, 1_000)) {
                throw new IllegalStateException("ring of " + (members + wave) + " did not converge");
            }
            members += wave;
        }
        return ring;
    }

    public Simulator sim() {
        return sim;
    }

    /** A fresh node with an unused random id, not yet in a ring. */
    public ChordNode newNode(boolean legacy) {
        long id;
        do {
            id = sim.random().nextLong() & Ring.MASK;
        } while (!usedIds.add(id));
        int n = created++;
        NodeRef ref = new NodeRef("sim-" + n, 5057, id);
        return sim.addNode(ref, config, legacy);
    }

    /** Joins through a random live member, retrying through another one until it succeeds. */
    public void join(ChordNode node) {
        List<NodeRef> members = new ArrayList<>(sim.liveMembers().values());
        members.remove(node.self());
        if (members.isEmpty() || !sim.isAlive(node.self())) {
            return;
        }
        NodeRef via = members.get(sim.random().nextInt(members.size()));
        node.join(via).whenComplete((v, e) -> {
            if (e != null) {
                sim.at(JOIN_RETRY_MS, () -> join(node));
            }
        });
    }

    /**
     * True when every live member's predecessor and whole successor list are exactly the live
     * members that precede and follow it.
     */
    public boolean consistent() {
        return consistent(true);
    }

    /** As {@link #consistent()}; without whole lists only the immediate successor is checked. */
    public boolean consistent(boolean wholeLists) {
        List<ChordNode> live = new ArrayList<>();
        for (NodeRef ref : sim.allNodes()) {
            if (sim.isAlive(ref)) {
                live.add(sim.node(ref));
            }
        }
        return RingCheck.consistent(live, wholeLists);
    }

    /** The owner of id among the live members: the ground truth. */
    public NodeRef owner(long id) {
        return owner(sim.liveMembers(), id);
    }

    private static NodeRef owner(TreeMap<Long, NodeRef> members, long id) {
        Map.Entry<Long, NodeRef> e = members.ceilingEntry(id);
        return e != null ? e.getValue() : members.firstEntry().getValue();
    }

    /** Results of a batch of lookups. */
    public record LookupStats(int total, int correct, int wrong, int failed, double meanHops, int maxHops) {}

    /** From every live member, {@code perNode} lookups of random ids, checked against {@link #owner}. */
    public LookupStats lookupFromEveryNode(int perNode) {
        List<NodeRef> from = new ArrayList<>(sim.liveMembers().values());
        List<Long> ids = new ArrayList<>();
        List<Simulator.Lookup> lookups = new ArrayList<>();
        for (NodeRef f : from) {
            for (int i = 0; i < perNode; i++) {
                long id = sim.random().nextLong() & Ring.MASK;
                ids.add(id);
                lookups.add(sim.lookup(f, id));
            }
        }
        sim.runUntil(() -> lookups.stream().allMatch(l -> l.result().isDone()), 600_000, 100);
        TreeMap<Long, NodeRef> members = sim.liveMembers();
        int correct = 0;
        int wrong = 0;
        int failed = 0;
        long hops = 0;
        int maxHops = 0;
        for (int i = 0; i < lookups.size(); i++) {
            Simulator.Lookup l = lookups.get(i);
            if (!l.result().isDone() || l.result().isCompletedExceptionally()) {
                failed++;
                continue;
            }
            if (l.result().join().equals(owner(members, ids.get(i)))) {
                correct++;
            } else {
                wrong++;
            }
            hops += l.trace().hops();
            maxHops = Math.max(maxHops, l.trace().hops());
        }
        int answered = correct + wrong;
        return new LookupStats(lookups.size(), correct, wrong, failed,
                answered == 0 ? 0 : (double) hops / answered, maxHops);
    }
}
