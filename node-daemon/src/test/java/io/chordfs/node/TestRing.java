package io.chordfs.node;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * Storage nodes in one JVM, each on its own random 127.x.y.z address with the real port layout,
 * so parallel test runs do not collide and every node looks like a production one.
 */
final class TestRing implements AutoCloseable {
    static final ChordConfig FAST = ChordConfig.defaults().withPeriods(50, 50);
    static final long REPAIR_MS = 200;
    static final int R = FAST.replicationFactor();

    private final Path root;
    private final List<NodeDaemon> nodes = new ArrayList<>();
    private final String prefix;
    private int next = 1;
    private long tombstoneTtlMs = NodeDaemon.DEFAULT_TOMBSTONE_TTL_MS;
    private ChordConfig chord = FAST;
    /** Applied to every node's configuration before a call's own tweak. */
    private UnaryOperator<NodeDaemon.Config> everyNode = UnaryOperator.identity();

    TestRing(Path root) {
        this.root = root;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        this.prefix = "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + ".";
    }

    static TestRing start(Path root, int n) throws Exception {
        return start(root, n, NodeDaemon.DEFAULT_TOMBSTONE_TTL_MS);
    }

    static TestRing start(Path root, int n, long tombstoneTtlMs) throws Exception {
        TestRing ring = new TestRing(root);
        ring.tombstoneTtlMs = tombstoneTtlMs;
        return ring.fill(n);
    }

    /** As {@link #start(Path, int)}, every node's configuration changed by {@code tweak} (a write quorum, ...). */
    static TestRing withConfig(Path root, int n, UnaryOperator<NodeDaemon.Config> tweak) throws Exception {
        TestRing ring = new TestRing(root);
        ring.everyNode = tweak;
        return ring.fill(n);
    }

    /** As {@link #start(Path, int)}, with successor lists of {@code successors} entries instead of 5 (R stays 3). */
    static TestRing withSuccessorLists(Path root, int n, int successors) throws Exception {
        TestRing ring = new TestRing(root);
        ring.chord = FAST.withReplication(successors, R);
        return ring.fill(n);
    }

    private TestRing fill(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            add();
        }
        awaitConsistent();
        return this;
    }

    /** Starts one more node and joins it (the first one creates the ring). */
    NodeDaemon add() throws Exception {
        return start(prefix + next++, null);
    }

    /** As {@link #add()}, with the given node id (null: the default, key of "ip:port"). */
    NodeDaemon add(Long id) throws Exception {
        return start(prefix + next++, id);
    }

    /** Starts a node again on the address, id and data directory of one that was stopped. */
    NodeDaemon restart(NodeDaemon old) throws Exception {
        return start(old.self().ip(), old.self().id(), UnaryOperator.identity());
    }

    /** Starts one more node with its configuration changed by {@code tweak} (a quota, a skewed clock, ...). */
    NodeDaemon add(UnaryOperator<NodeDaemon.Config> tweak) throws Exception {
        return start(prefix + next++, null, tweak);
    }

    /**
     * Starts a node again on the address and id of one that was stopped, with its data directory
     * emptied (a new disk) and its configuration changed by {@code tweak}.
     */
    NodeDaemon restartOnANewDisk(NodeDaemon old, UnaryOperator<NodeDaemon.Config> tweak) throws Exception {
        Path data = root.resolve(old.self().ip());
        try (var files = Files.walk(data)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        return start(old.self().ip(), old.self().id(), tweak);
    }

    private NodeDaemon start(String ip, Long id) throws Exception {
        return start(ip, id, UnaryOperator.identity());
    }

    private NodeDaemon start(String ip, Long id, UnaryOperator<NodeDaemon.Config> tweak) throws Exception {
        NodeDaemon node = NodeDaemon.start(tweak.apply(everyNode.apply(NodeDaemon.Config.of(ip, root.resolve(ip))
                .withChord(chord).withId(id).withRepairPeriod(REPAIR_MS).withTombstoneTtl(tombstoneTtlMs))));
        if (nodes.isEmpty()) {
            node.createRing();
        } else {
            node.join(nodes.get(0).self().address(), 10_000);
        }
        nodes.add(node);
        return node;
    }

    /** Stops a node abruptly: no goodbye to its neighbours, its data left behind. */
    void crash(NodeDaemon node) {
        nodes.remove(node);
        node.halt();
    }

    /** The graceful leave: hand-over, goodbye, stop. */
    void leave(NodeDaemon node) {
        nodes.remove(node);
        node.close();
    }

    /** The address the next node started here would take (for a member that is not a {@link NodeDaemon}). */
    String nextIp() {
        return prefix + next++;
    }

    /** Waits until the nodes, and {@code others} (members that are not NodeDaemons), form one correct ring. */
    void awaitConsistent(ChordNode... others) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        List<ChordNode> all = new ArrayList<>(nodes.stream().map(d -> d.chord().node()).toList());
        all.addAll(List.of(others));
        while (!RingCheck.consistent(all, true)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("the ring did not converge");
            }
            Thread.sleep(20);
        }
    }

    /** The id halfway along the largest gap between members: a newcomer there takes a big share. */
    long middleOfLargestGap() {
        List<Long> ids = nodes.stream().map(d -> d.self().id()).sorted().toList();
        long best = 0;
        long bestGap = -1;
        for (int i = 0; i < ids.size(); i++) {
            long from = ids.get(i);
            long gap = io.chordfs.core.ring.Ring.distance(from, ids.get((i + 1) % ids.size()));
            if (ids.size() == 1) {
                gap = io.chordfs.core.ring.Ring.SIZE - 1;
            }
            if (gap > bestGap) {
                bestGap = gap;
                best = io.chordfs.core.ring.Ring.add(from, gap / 2);
            }
        }
        return best;
    }

    List<NodeDaemon> nodes() {
        return nodes;
    }

    NodeDaemon owner(String name) {
        long key = Keys.key(name);
        List<NodeDaemon> sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparingLong(d -> d.self().id()));
        return sorted.stream().filter(d -> d.self().id() >= key).findFirst().orElse(sorted.get(0));
    }

    /** The ground truth: the first R distinct nodes from the owner, in ring order. */
    List<NodeDaemon> replicaSet(String name) {
        List<NodeDaemon> sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparingLong(d -> d.self().id()));
        int first = sorted.indexOf(owner(name));
        List<NodeDaemon> set = new ArrayList<>();
        for (int i = 0; i < Math.min(R, sorted.size()); i++) {
            set.add(sorted.get((first + i) % sorted.size()));
        }
        return set;
    }

    /** A node outside the replica set of {@code name} (the ring must have more than R nodes). */
    NodeDaemon outsider(String name) {
        List<NodeDaemon> set = replicaSet(name);
        return nodes.stream().filter(d -> !set.contains(d)).findFirst().orElseThrow();
    }

    /** A node other than the owner of {@code name}. */
    NodeDaemon notOwner(String name) {
        NodeDaemon owner = owner(name);
        return nodes.stream().filter(d -> d != owner).findFirst().orElseThrow();
    }

    static String httpBase(NodeDaemon d) {
        return PortLayout.httpBase(d.self()).toString();
    }

    @Override
    public void close() {
        nodes.forEach(NodeDaemon::halt);
    }
}
