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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Placement and routing across real nodes: uploads land on the owner, reads work from anywhere. */
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

    @Test
    void uploadToAnyNodeLandsOnTheOwnerAndReadsWorkFromEveryNode(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                names.add("file-" + i + ".txt");
            }
            for (String name : names) {
                NodeDaemon via = ring.notOwner(name);
                assertEquals(204, upload(via, name, ("content of " + name).getBytes(StandardCharsets.UTF_8)));
                assertTrue(holds(ring.owner(name), name), name + " must be stored on its owner");
                assertFalse(holds(via, name), name + " must not stay on the node it was posted to");
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
    void aJoiningNodeTakesOverItsShareAndNothingIsLost(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String name = "obj-" + i;
                names.add(name);
                assertEquals(204, upload(ring.nodes().get(i % 3), name, name.getBytes(StandardCharsets.UTF_8)));
            }
            NodeDaemon newcomer = ring.add(ring.middleOfLargestGap());
            ring.awaitConsistent();
            int taken = 0;
            for (String name : names) {
                NodeDaemon owner = ring.owner(name);
                assertTrue(holds(owner, name), name + " must be on its owner after the join");
                for (NodeDaemon d : ring.nodes()) {
                    if (d != owner) {
                        assertFalse(holds(d, name), name + " must have left " + d.self());
                    }
                }
                if (owner == newcomer) {
                    taken++;
                }
                assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), get(ring.nodes().get(0), name).body());
            }
            assertTrue(taken > 0, "the newcomer must own part of 60 random keys");
        }
    }
}
