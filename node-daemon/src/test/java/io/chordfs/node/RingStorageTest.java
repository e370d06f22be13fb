package io.chordfs.node;

import io.chordfs.node.store.ObjectMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Placement, replication and repair across real nodes in one JVM. */
class RingStorageTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private int upload(NodeDaemon via, String name, byte[] content) throws Exception {
        String boundary = "----chordfs" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + name
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + content.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(content, 0, body, head.length, content.length);
        System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
        HttpRequest req = HttpRequest.newBuilder(URI.create(TestRing.httpBase(via) + "/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private HttpResponse<byte[]> get(NodeDaemon via, String name) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(TestRing.httpBase(via) + "/" + PercentCodec.quote(name))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static boolean holds(NodeDaemon d, String name) {
        Optional<ObjectMeta> m = d.store().meta(name);
        return m.isPresent() && !m.get().tombstone();
    }

    /** True when exactly the replica set of {@code name} holds it. */
    private static boolean onExactlyItsReplicaSet(TestRing ring, String name) {
        List<NodeDaemon> set = ring.replicaSet(name);
        return ring.nodes().stream().allMatch(d -> holds(d, name) == set.contains(d));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting until " + what);
            Thread.sleep(50);
        }
    }

    @Test
    void anAcknowledgedUploadIsOnItsWholeReplicaSetAndReadableEverywhere(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 5)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                names.add("file-" + i + ".txt");
            }
            for (String name : names) {
                NodeDaemon via = ring.outsider(name);
                assertEquals(204, upload(via, name, ("content of " + name).getBytes(StandardCharsets.UTF_8)));
                // Synchronous replication: the copies exist when the upload is acknowledged, not later.
                assertTrue(onExactlyItsReplicaSet(ring, name), name + " must be on exactly its " + TestRing.R + " replicas");
                assertTrue(Files.exists(ring.owner(name).store().dataDir().resolve(name)), "ls in the data dir shows it");
            }
            for (String name : names) {
                for (NodeDaemon d : ring.nodes()) {
                    HttpResponse<byte[]> r = get(d, name);
                    assertEquals(200, r.statusCode(), name + " from " + d.self());
                    assertArrayEquals(("content of " + name).getBytes(StandardCharsets.UTF_8), r.body());
                }
            }
            assertEquals(404, get(ring.nodes().get(0), "never-uploaded.bin").statusCode());
        }
    }

    @Test
    void aJoiningNodeEndsWithExactlyItsShareAndNothingIsLost(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String name = "obj-" + i;
                names.add(name);
                assertEquals(204, upload(ring.nodes().get(i % 4), name, name.getBytes(StandardCharsets.UTF_8)));
            }
            NodeDaemon newcomer = ring.add(ring.middleOfLargestGap());
            ring.awaitConsistent();
            await(() -> names.stream().allMatch(n -> onExactlyItsReplicaSet(ring, n)),
                    "every object is on exactly its replica set, and old holders dropped the rest");
            assertTrue(names.stream().anyMatch(n -> ring.replicaSet(n).contains(newcomer)), "the newcomer holds a share");
            for (String name : names) {
                assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), get(ring.nodes().get(0), name).body());
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
                assertEquals(204, upload(ring.nodes().get(i % 5), name, name.getBytes(StandardCharsets.UTF_8)));
            }
            NodeDaemon victim = ring.owner(names.get(0));
            ring.crash(victim);
            ring.awaitConsistent();
            for (String name : names) {
                HttpResponse<byte[]> r = get(ring.nodes().get(0), name);
                assertEquals(200, r.statusCode(), name + " after its owner died");
                assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), r.body());
            }
            await(() -> names.stream().allMatch(n -> onExactlyItsReplicaSet(ring, n)), "R copies are restored");
        }
    }
}
