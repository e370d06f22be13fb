package io.chordfs.client;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.ring.Keys;
import io.chordfs.node.daemon.NodeDaemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/** Real storage nodes in this JVM on random 127.x.y.z addresses with the real ports (5057-5059). */
final class Nodes implements AutoCloseable {
    static final long UPLOAD_GRACE_MS = 2_000;
    final List<NodeDaemon> nodes = new ArrayList<>();
    private final String prefix;

    private Nodes() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        prefix = "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + ".";
    }

    static Nodes start(Path root, int n) throws Exception {
        return start(root, n, UnaryOperator.identity());
    }

    /** As {@link #start(Path, int)}, each node's configuration changed by {@code tweak}. */
    static Nodes start(Path root, int n, UnaryOperator<NodeDaemon.Config> tweak) throws Exception {
        Nodes ring = new Nodes();
        try {
            for (int i = 1; i <= n; i++) {
                String ip = ring.prefix + i;
                // A short grace: the old version's chunks go within seconds of a re-upload.
                NodeDaemon d = NodeDaemon.start(tweak.apply(NodeDaemon.Config.of(ip, root.resolve(ip))
                        .withChord(ChordConfig.defaults().withPeriods(50, 50)).withUploadGrace(UPLOAD_GRACE_MS)));
                if (ring.nodes.isEmpty()) {
                    d.createRing();
                } else {
                    d.join(ring.nodes.get(0).self().address(), 10_000);
                }
                ring.nodes.add(d);
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (!RingCheck.consistent(ring.nodes.stream().map(d -> d.chord().node()).toList(), true)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("the ring did not converge");
                }
                Thread.sleep(20);
            }
            return ring;
        } catch (Exception | AssertionError e) {
            ring.close();
            throw e;
        }
    }

    String ip(int i) {
        return nodes.get(i).self().ip();
    }

    NodeDaemon owner(String name) {
        long key = Keys.key(name);
        List<NodeDaemon> sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparingLong(d -> d.self().id()));
        return sorted.stream().filter(d -> d.self().id() >= key).findFirst().orElse(sorted.get(0));
    }

    NodeDaemon notOwner(String name) {
        NodeDaemon o = owner(name);
        return nodes.stream().filter(d -> d != o).findFirst().orElseThrow();
    }

    static String http(NodeDaemon d) {
        return "http://" + d.self().ip() + ":" + (d.self().port() + 1);
    }

    @Override
    public void close() {
        nodes.forEach(NodeDaemon::close);
    }
}
