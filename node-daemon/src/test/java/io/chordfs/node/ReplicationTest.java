package io.chordfs.node;

import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.chordfs.node.NodeHttp.await;
import static io.chordfs.node.NodeHttp.holds;
import static io.chordfs.node.NodeHttp.onExactlyItsReplicaSet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** R copies under failures, damage, departures, returns and races, with real nodes in one JVM. */
class ReplicationTest {
    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aCorruptCopyIsNeverServedAndIsRepairedFromAGoodReplica(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            byte[] content = random(3 << 20, 1);
            assertEquals(204, NodeHttp.upload(ring.nodes().get(0), "c.bin", content));
            NodeDaemon owner = ring.owner("c.bin");
            try (RandomAccessFile f = new RandomAccessFile(owner.store().dataDir().resolve("c.bin").toFile(), "rw")) {
                f.seek(1_500_000);
                int b = f.read();
                f.seek(1_500_000);
                f.write(b ^ 0x5a);
            }
            HttpResponse<byte[]> r = NodeHttp.get(owner, "c.bin");
            assertEquals(200, r.statusCode());
            assertArrayEquals(content, r.body(), "the good bytes, from another replica");
            await(() -> {
                try (ObjectReader reader = owner.store().read("c.bin")) {
                    reader.verify();
                    return true;
                } catch (Exception e) {
                    return false;
                }
            }, "the owner's copy is replaced by a good one");
        }
    }

    @Test
    void aGracefulLeaveKeepsRCopiesAndHandsItsDataOver(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 5)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                names.add("g-" + i);
                assertEquals(204, NodeHttp.upload(ring.nodes().get(i % 5), "g-" + i, ("g" + i).getBytes(StandardCharsets.UTF_8)));
            }
            NodeDaemon leaver = ring.owner(names.get(0));
            ring.leave(leaver);
            // Right after the leave, before any repair round: every object still has R copies.
            for (String name : names) {
                long copies = ring.nodes().stream().filter(d -> holds(d, name)).count();
                assertTrue(copies >= TestRing.R, name + " has " + copies + " copies after a graceful leave");
            }
            ring.awaitConsistent();
            await(() -> names.stream().allMatch(n -> onExactlyItsReplicaSet(ring, n)), "exactly R copies again");
        }
    }

    @Test
    void aStaleReplicaThatReturnsConvergesToDeletesAndNewerVersions(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 5)) {
            assertEquals(204, NodeHttp.upload(ring.nodes().get(0), "d.txt", "doomed".getBytes(StandardCharsets.UTF_8)));
            NodeDaemon stale = ring.replicaSet("d.txt").get(1);
            String changed = "c-0";
            for (int i = 1; !ring.replicaSet(changed).contains(stale); i++) {
                changed = "c-" + i;
            }
            assertEquals(204, NodeHttp.upload(ring.nodes().get(0), changed, "old".getBytes(StandardCharsets.UTF_8)));
            ring.crash(stale);
            ring.awaitConsistent();
            assertEquals(204, NodeHttp.delete(ring.nodes().get(0), "d.txt"));
            assertEquals(204, NodeHttp.upload(ring.nodes().get(0), changed, "new".getBytes(StandardCharsets.UTF_8)));
            long newest = ring.owner(changed).store().meta(changed).orElseThrow().version();

            NodeDaemon back = ring.restart(stale);
            ring.awaitConsistent();
            String name = changed;
            await(() -> !holds(back, "d.txt"), "the returning replica learns of the delete");
            await(() -> back.store().meta(name).map(m -> m.version() == newest).orElse(false),
                    "the returning replica gets the newer version");
            for (NodeDaemon d : ring.nodes()) {
                assertEquals(404, NodeHttp.get(d, "d.txt").statusCode(), "from " + d.self());
                assertArrayEquals("new".getBytes(StandardCharsets.UTF_8), NodeHttp.get(d, changed).body(), "from " + d.self());
            }
        }
    }

    @Test
    void concurrentWritesOfOneNameEndTheSameOnEveryReplica(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 5)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> writes = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] content = ("version " + i).getBytes(StandardCharsets.UTF_8);
                NodeDaemon via = ring.nodes().get(i % 5);
                writes.add(pool.submit(() -> NodeHttp.upload(via, "same.txt", content)));
            }
            for (Future<Integer> w : writes) {
                assertEquals(204, w.get());
            }
            pool.shutdown();
            List<NodeDaemon> set = ring.replicaSet("same.txt");
            ObjectMeta winner = set.get(0).store().meta("same.txt").orElseThrow();
            for (NodeDaemon d : set) {
                ObjectMeta m = d.store().meta("same.txt").orElseThrow();
                assertEquals(winner.version(), m.version(), "same version on " + d.self());
                assertEquals(winner.sha256(), m.sha256(), "same bytes on " + d.self());
            }
            for (NodeDaemon d : ring.nodes()) {
                byte[] got = NodeHttp.get(d, "same.txt").body();
                assertEquals(winner.sha256(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)));
            }
        }
    }

    @Test
    void acknowledgedWritesSurviveOneThenTwoAbruptDeathsDuringAStream(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 6)) {
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            Random random = new Random(3);
            for (int i = 0; i < 90; i++) {
                if (i == 30) {
                    ring.crash(ring.nodes().get(2));
                }
                if (i == 60) {
                    // Two at once: with R = 3 every key still has a copy somewhere.
                    NodeDaemon a = ring.nodes().get(0);
                    NodeDaemon b = ring.nodes().get(1);
                    ring.crash(a);
                    ring.crash(b);
                }
                List<NodeDaemon> live = ring.nodes();
                String name = "s-" + i;
                try {
                    if (NodeHttp.upload(live.get(random.nextInt(live.size())), name, name.getBytes(StandardCharsets.UTF_8)) == 204) {
                        acknowledged.add(name);
                    }
                } catch (java.io.IOException refused) {
                    // Not acknowledged: the client saw the failure.
                }
            }
            assertTrue(acknowledged.size() >= 60, "most writes succeed: " + acknowledged.size());
            ring.awaitConsistent();
            for (String name : acknowledged) {
                HttpResponse<byte[]> r = NodeHttp.get(ring.nodes().get(0), name);
                assertEquals(200, r.statusCode(), "acknowledged " + name + " must be readable");
                assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), r.body());
            }
            await(() -> acknowledged.stream().allMatch(n -> onExactlyItsReplicaSet(ring, n)), "R copies restored");
        }
    }
}
