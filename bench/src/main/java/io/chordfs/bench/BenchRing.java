package io.chordfs.bench;

import io.chordfs.core.chord.RingCheck;
import io.chordfs.node.daemon.NodeDaemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Storage nodes in this JVM on one random 127.x.y address range with the real ports. */
public final class BenchRing implements AutoCloseable {
    private final List<NodeDaemon> nodes = new ArrayList<>();
    private final Path root;
    private final String prefix;
    private int next = 1;

    public BenchRing(Path root) {
        this.root = root;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        this.prefix = "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + ".";
    }

    /** Starts {@code n} nodes and waits until they form one consistent ring. */
    public static BenchRing start(Path root, int n, long repairPeriodMs) throws Exception {
        BenchRing ring = new BenchRing(root);
        for (int i = 0; i < n; i++) {
            ring.add(null, repairPeriodMs);
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (!RingCheck.consistent(ring.nodes.stream().map(d -> d.chord().node()).toList(), true)) {
            if (System.currentTimeMillis() > deadline) {
                ring.close();
                throw new IllegalStateException("the ring did not converge");
            }
            Thread.sleep(20);
        }
        return ring;
    }

    /** One more node (id null: the default), joined through the first. */
    public NodeDaemon add(Long id, long repairPeriodMs) throws Exception {
        String ip = prefix + next++;
        NodeDaemon node = NodeDaemon.start(NodeDaemon.Config.of(ip, root.resolve(ip)).withId(id).withRepairPeriod(repairPeriodMs));
        if (nodes.isEmpty()) {
            node.createRing();
        } else {
            node.join(nodes.get(0).self().address(), 30_000);
        }
        nodes.add(node);
        return node;
    }

    /** The live nodes; removing one here is the caller's way to mark it gone. */
    public List<NodeDaemon> nodes() {
        return nodes;
    }

    @Override
    public void close() {
        nodes.forEach(NodeDaemon::halt);
    }
}
