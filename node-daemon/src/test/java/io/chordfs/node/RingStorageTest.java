package io.chordfs.node;

import io.chordfs.core.net.BlockCrcs;
import io.chordfs.node.daemon.NodeDaemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Placement, replication and repair across real nodes in one JVM. */
class RingStorageTest {
    @Test
    void anAcknowledgedUploadIsOnItsWholeReplicaSetAndReadableEverywhere(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 5)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                names.add("file-" + i + ".txt");
            }
            for (String name : names) {
                NodeDaemon via = ring.outsider(name);
                assertEquals(204, NodeHttp.upload(via, name, ("content of " + name).getBytes(StandardCharsets.UTF_8)));
                // Synchronous replication: the copies exist when the upload is acknowledged, not later.
                assertTrue(NodeHttp.onExactlyItsReplicaSet(ring, name), name + " must be on exactly its " + TestRing.R + " replicas");
                assertTrue(Files.exists(ring.owner(name).store().dataDir().resolve(name)), "ls in the data dir shows it");
            }
            for (String name : names) {
                for (NodeDaemon d : ring.nodes()) {
                    HttpResponse<byte[]> r = NodeHttp.get(d, name);
                    assertEquals(200, r.statusCode(), name + " from " + d.self());
                    assertArrayEquals(("content of " + name).getBytes(StandardCharsets.UTF_8), r.body());
                }
            }
            assertEquals(404, NodeHttp.get(ring.nodes().get(0), "never-uploaded.bin").statusCode());
        }
    }

    /** A raw PUT with block CRCs through a node that does not own the name: checked there, stored at the owner. */
    @Test
    void aCheckedPutThroughAnotherNodeIsStoredOnlyWhenTheBytesMatch(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            byte[] content = new byte[BlockCrcs.BLOCK_SIZE + 77];
            new java.util.Random(9).nextBytes(content);
            String crcs = BlockCrcs.format(BlockCrcs.of(content, 0, content.length));
            String name = "checked.bin";
            assertEquals(201, put(ring.notOwner(name), name, content, crcs));
            assertTrue(NodeHttp.onExactlyItsReplicaSet(ring, name), "on its replica set");
            assertArrayEquals(content, NodeHttp.get(ring.nodes().get(0), name).body());
            // the owner says whether the forwarded write created the name
            assertEquals(204, put(ring.notOwner(name), name, content, crcs), "replacing answers 204");
            HttpRequest delete = HttpRequest.newBuilder(java.net.URI.create(TestRing.httpBase(ring.notOwner(name)) + "/" + name))
                    .DELETE().build();
            assertEquals(204, HttpClient.newHttpClient().send(delete, HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(201, put(ring.notOwner(name), name, content, crcs), "a deleted name is created anew");

            String other = "refused.bin";
            assertEquals(422, put(ring.notOwner(other), other, content, "1,2"));
            for (NodeDaemon d : ring.nodes()) {
                assertTrue(d.store().meta(other).isEmpty(), "nothing of it on " + d.self());
            }
        }
    }

    private static int put(NodeDaemon via, String name, byte[] body, String crcs) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(java.net.URI.create(TestRing.httpBase(via) + "/" + name))
                .header(BlockCrcs.HEADER, crcs).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aNodeNotYetInARingAnswers503NotAWrong404(@TempDir Path dir) throws Exception {
        String ip = "127." + java.util.concurrent.ThreadLocalRandom.current().nextInt(100, 255) + ".7.7";
        NodeDaemon lonely = NodeDaemon.start(NodeDaemon.Config.of(ip, dir.resolve("n")).withChord(TestRing.FAST));
        try {
            assertEquals(503, NodeHttp.get(lonely, "anything.txt").statusCode());
            assertEquals(503, NodeHttp.upload(lonely, "new.txt", new byte[] {1}));
            lonely.createRing();
            assertEquals(404, NodeHttp.get(lonely, "anything.txt").statusCode());
        } finally {
            lonely.halt();
        }
    }

    @Test
    void aJoiningNodeEndsWithExactlyItsShareAndNothingIsLost(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String name = "obj-" + i;
                names.add(name);
                assertEquals(204, NodeHttp.upload(ring.nodes().get(i % 4), name, name.getBytes(StandardCharsets.UTF_8)));
            }
            NodeDaemon newcomer = ring.add(ring.middleOfLargestGap());
            ring.awaitConsistent();
            NodeHttp.await(() -> names.stream().allMatch(n -> NodeHttp.onExactlyItsReplicaSet(ring, n)),
                    "every object is on exactly its replica set, and old holders dropped the rest");
            assertTrue(names.stream().anyMatch(n -> ring.replicaSet(n).contains(newcomer)), "the newcomer holds a share");
            for (String name : names) {
                assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), NodeHttp.get(ring.nodes().get(0), name).body());
            }
        }
    }

    @Test
    void aNodeThatDiesAbruptlyLosesNoAcknowledgedWriteAndCopiesAreRestored(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 5)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String name = "w-" + i;
                names.add(name);
                assertEquals(204, NodeHttp.upload(ring.nodes().get(i % 5), name, name.getBytes(StandardCharsets.UTF_8)));
            }
            NodeDaemon victim = ring.owner(names.get(0));
            ring.crash(victim);
            ring.awaitConsistent();
            for (String name : names) {
                HttpResponse<byte[]> r = NodeHttp.get(ring.nodes().get(0), name);
                assertEquals(200, r.statusCode(), name + " after its owner died");
                assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), r.body());
            }
            NodeHttp.await(() -> names.stream().allMatch(n -> NodeHttp.onExactlyItsReplicaSet(ring, n)), "R copies are restored");
        }
    }
}
