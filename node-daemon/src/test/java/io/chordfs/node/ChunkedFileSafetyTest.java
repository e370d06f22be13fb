package io.chordfs.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.daemon.NodeDaemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.chordfs.node.NodeHttp.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chunked files as fs-client writes them (chunk objects of an upload, then the manifest), driven
 * over the file port of a real ring: a re-upload replaces the file atomically, a chunk never
 * replaces or hides another file, and what no manifest names is collected.
 */
class ChunkedFileSafetyTest {
    private static final int CHUNK = 16 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b, int off, int len) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(b, off, len);
        return HexFormat.of().formatHex(d.digest());
    }

    /** Stores the chunks of {@code content} as chunk objects of {@code upload}; returns the manifest to commit. */
    private static Manifest storeChunks(TestRing ring, String name, byte[] content, String upload) throws Exception {
        List<Manifest.Chunk> chunks = new ArrayList<>();
        for (int off = 0, i = 1; off < content.length; off += CHUNK, i++) {
            int len = Math.min(CHUNK, content.length - off);
            String c = Manifest.chunkName(name, i);
            HttpResponse<String> r = NodeHttp.put(ring.nodes().get(i % ring.nodes().size()), c,
                    Arrays.copyOfRange(content, off, off + len), ObjectNames.UPLOAD_HEADER, upload);
            assertEquals(201, r.statusCode(), c + ": " + r.body());
            chunks.add(new Manifest.Chunk(c, len, sha256(content, off, len)));
        }
        return new Manifest(name, content.length, CHUNK, chunks, sha256(content, 0, content.length), "", upload);
    }

    private static HttpResponse<String> commit(NodeDaemon via, Manifest m) throws Exception {
        return NodeHttp.put(via, m.name(), m.toJson());
    }

    private static boolean anyNodeHolds(TestRing ring, String object) {
        return ring.nodes().stream().anyMatch(d -> NodeHttp.holds(d, object));
    }

    /**
     * While a new version's chunks are written and its manifest commits, every read gets the old
     * version whole or the new one whole; an upload that never commits (a killed client) leaves
     * the old version as it was; the chunk names read the committed version's chunks.
     */
    @Test
    void aReplacementIsAtomicAndAKilledUploadLeavesTheOldVersion(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 4)) {
            String name = "reup";
            byte[] v1 = random(12 * CHUNK, 1);
            byte[] v2 = random(12 * CHUNK + 7, 2);
            assertEquals(201, commit(ring.nodes().get(0), storeChunks(ring, name, v1, "upload-one-0001")).statusCode());
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService readers = Executors.newFixedThreadPool(3);
            List<Future<Integer>> reads = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                NodeDaemon via = ring.nodes().get(r + 1);
                reads.add(readers.submit(() -> {
                    int n = 0;
                    while (!stop.get()) {
                        HttpResponse<byte[]> got = NodeHttp.get(via, name);
                        assertEquals(200, got.statusCode());
                        assertTrue(Arrays.equals(v1, got.body()) || Arrays.equals(v2, got.body()),
                                "a read got neither version whole");
                        n++;
                    }
                    return n;
                }));
            }
            // A killed upload: its chunks are stored, its manifest never comes.
            storeChunks(ring, name, random(12 * CHUNK, 3), "killed-upload-01");
            assertArrayEquals(v1, NodeHttp.get(ring.nodes().get(2), name).body(), "the killed upload changed nothing");
            assertArrayEquals(Arrays.copyOfRange(v1, CHUNK, 2 * CHUNK),
                    NodeHttp.get(ring.nodes().get(1), name + "_chunk_2").body(), "the chunk name reads the committed chunk");
            Manifest second = storeChunks(ring, name, v2, "upload-two-0002");
            assertArrayEquals(v1, NodeHttp.get(ring.nodes().get(3), name).body(), "not before the manifest commits");
            assertEquals(204, commit(ring.nodes().get(1), second).statusCode());
            stop.set(true);
            int total = 0;
            for (Future<Integer> f : reads) {
                total += f.get();
            }
            readers.shutdown();
            assertTrue(total > 0);
            for (NodeDaemon via : ring.nodes()) {
                assertArrayEquals(v2, NodeHttp.get(via, name).body(), "the new version through " + via.self());
                assertArrayEquals(Arrays.copyOfRange(v2, 11 * CHUNK, 12 * CHUNK),
                        NodeHttp.get(via, name + "_chunk_12").body(), "chunk names read the new version's chunks");
            }
        }
    }

    /** The sequence: a plain file under a chunk name, then a chunked upload of that file. */
    @Test
    void aChunkNeverReplacesOrHidesAnotherFile(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            byte[] plain = "a file of its own".getBytes(StandardCharsets.UTF_8);
            assertEquals(204, NodeHttp.upload(ring.nodes().get(0), "z_chunk_1", plain));
            Manifest z = storeChunks(ring, "z", random(3 * CHUNK, 4), "upload-of-z-0001");
            HttpResponse<String> refused = commit(ring.nodes().get(1), z);
            assertEquals(409, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("z_chunk_1 is a file of its own"), refused.body());
            assertEquals(404, NodeHttp.get(ring.nodes().get(2), "z").statusCode(), "nothing was committed");
            assertArrayEquals(plain, NodeHttp.get(ring.nodes().get(2), "z_chunk_1").body(), "the plain file is intact");

            // A chunked file's chunk names are its own: a plain write or delete of one is refused, naming it.
            Manifest y = storeChunks(ring, "y", random(2 * CHUNK + 1, 5), "upload-of-y-0001");
            assertEquals(201, commit(ring.nodes().get(0), y).statusCode());
            HttpResponse<String> over = NodeHttp.put(ring.nodes().get(2), "y_chunk_2", plain);
            assertEquals(409, over.statusCode(), over.body());
            assertTrue(over.body().contains("chunk 2 of the file y"), over.body());
            assertEquals(409, NodeHttp.upload(ring.nodes().get(1), "y_chunk_1", plain), "the form upload too");
            assertEquals(409, NodeHttp.delete(ring.nodes().get(0), "y_chunk_1"));

            // Deleting y removes y's chunks, and nothing that is not y's.
            assertEquals(204, NodeHttp.delete(ring.nodes().get(1), "y"));
            for (int i = 0; i < y.chunks().size(); i++) {
                assertFalse(anyNodeHolds(ring, y.chunkObject(i)), y.chunkObject(i) + " went with y");
            }
            assertArrayEquals(plain, NodeHttp.get(ring.nodes().get(0), "z_chunk_1").body());
        }
    }

    /** An upload writes each chunk once: the same bytes again are fine, other bytes are refused. */
    @Test
    void aChunkOfAnUploadIsWrittenOnce(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            byte[] a = random(CHUNK, 6);
            String u = "write-once-00001";
            assertEquals(201, NodeHttp.put(ring.nodes().get(0), "w_chunk_1", a, ObjectNames.UPLOAD_HEADER, u).statusCode());
            assertEquals(204, NodeHttp.put(ring.nodes().get(1), "w_chunk_1", a, ObjectNames.UPLOAD_HEADER, u).statusCode());
            HttpResponse<String> other = NodeHttp.put(ring.nodes().get(2), "w_chunk_1", random(CHUNK, 7),
                    ObjectNames.UPLOAD_HEADER, u);
            assertEquals(409, other.statusCode(), other.body());
            assertArrayEquals(a, NodeHttp.get(ring.nodes().get(2), "w_chunk_1", ObjectNames.UPLOAD_HEADER, u).body());
            assertEquals(400, NodeHttp.put(ring.nodes().get(0), "not-a-chunk", a, ObjectNames.UPLOAD_HEADER, u).statusCode());
            assertEquals(400, NodeHttp.put(ring.nodes().get(0), "w_chunk_1", a, ObjectNames.UPLOAD_HEADER, "bad id").statusCode());
        }
    }

    /** A manifest commits only when every chunk it names is there with its size and SHA-256. */
    @Test
    void aManifestWhoseChunksAreNotAllThereIsRefused(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            Manifest m = storeChunks(ring, "gappy", random(4 * CHUNK, 8), "gappy-upload-001");
            assertEquals(204, NodeHttp.send(ring.nodes().get(0), "DELETE", "/gappy_chunk_3",
                    ObjectNames.UPLOAD_HEADER, m.upload()).statusCode());
            HttpResponse<String> r = commit(ring.nodes().get(1), m);
            assertEquals(409, r.statusCode(), r.body());
            assertTrue(r.body().contains("gappy_chunk_3") && r.body().contains("missing"), r.body());
            assertEquals(404, NodeHttp.get(ring.nodes().get(0), "gappy").statusCode());
        }
    }

    /**
     * Two uploads of one name committed one after the other: the later wins whole, and the chunks
     * of the one it replaced are deleted by the file's owner after the linger (here the short grace).
     * Chunks of an upload that never committed are collected once idle for the grace period, and
     * the dry run lists them first.
     */
    @Test
    void replacedAndAbandonedUploadsAreCollected(@TempDir Path dir) throws Exception {
        try (TestRing ring = new TestRing(dir)) {
            for (int i = 0; i < 3; i++) {
                ring.add(c -> c.withUploadGrace(1_500));
            }
            ring.awaitConsistent();
            byte[] a = random(3 * CHUNK, 9);
            byte[] b = random(3 * CHUNK, 10);
            Manifest first = storeChunks(ring, "twice", a, "first-upload-001");
            Manifest second = storeChunks(ring, "twice", b, "second-upload-02");
            assertEquals(201, commit(ring.nodes().get(0), first).statusCode());
            assertEquals(204, commit(ring.nodes().get(2), second).statusCode());
            for (NodeDaemon via : ring.nodes()) {
                assertArrayEquals(b, NodeHttp.get(via, "twice").body());
            }
            await(() -> {
                for (int i = 0; i < first.chunks().size(); i++) {
                    if (anyNodeHolds(ring, first.chunkObject(i))) {
                        return false;
                    }
                }
                return true;
            }, "the replaced upload's chunks are deleted");
            Manifest abandoned = storeChunks(ring, "never", random(2 * CHUNK, 11), "abandoned-upld-1");
            await(() -> {
                try {
                    long listed = 0;
                    for (NodeDaemon d : ring.nodes()) {
                        JsonNode j = JSON.readTree(NodeHttp.send(d, "GET", "/.chordfs/gc").body());
                        listed += j.path("objects").asLong();
                    }
                    return listed == 2 || !anyNodeHolds(ring, abandoned.chunkObject(0));
                } catch (Exception e) {
                    return false;
                }
            }, "the dry run lists the abandoned chunks (or the repair round took them already)");
            await(() -> !anyNodeHolds(ring, abandoned.chunkObject(0)) && !anyNodeHolds(ring, abandoned.chunkObject(1)),
                    "the abandoned upload is collected");
            for (int i = 0; i < second.chunks().size(); i++) {
                assertTrue(anyNodeHolds(ring, second.chunkObject(i)), "the committed upload keeps its chunks");
            }
            assertArrayEquals(b, NodeHttp.get(ring.nodes().get(1), "twice").body());
        }
    }
}
