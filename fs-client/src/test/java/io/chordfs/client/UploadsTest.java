package io.chordfs.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.node.daemon.NodeDaemon;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command-line sequences: a chunked upload that would hide a plain file fails naming
 * it and leaves nothing, and {@code gc} lists and collects abandoned uploads. The ring's repair
 * rounds are an hour apart here, so only {@code gc} collects.
 */
class UploadsTest extends CliTest {
    @TempDir
    static Path root;
    static Nodes ring;
    static String entry;

    @BeforeAll
    static void startRing() throws Exception {
        ring = Nodes.start(root.resolve("nodes"), 3, c -> c.withRepairPeriod(3_600_000));
        entry = ring.ip(0);
    }

    @AfterAll
    static void stopRing() {
        if (ring != null) {
            ring.close();
        }
    }

    /** {@code curl -F "files=@...;filename=NAME" http://node:5058/upload}. */
    static int formUpload(NodeDaemon via, String name, byte[] content) throws Exception {
        String boundary = "----test" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + name
                + "\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(URI.create(Nodes.http(via) + "/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static byte[] get(NodeDaemon via, String name) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(Nodes.http(via) + "/" + name)).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    static boolean anyUploadHolds(String chunkName) {
        return ring.nodes.stream().anyMatch(d -> !d.store().chunkObjects(chunkName).isEmpty());
    }

    @Test
    void aChunkedUploadThatWouldHideAPlainFileFailsNamingItAndLeavesNothing() throws Exception {
        byte[] plain = "plain.txt, uploaded under a chunk's name".getBytes(StandardCharsets.UTF_8);
        assertEquals(204, formUpload(ring.nodes.get(0), "z_chunk_1", plain));
        Path z = file("z", 3 * CHUNK, 1);
        assertEquals(1, run("upload", z.toString(), ring.ip(1), "--chunk-size", "64KiB", "--quiet"));
        assertTrue(err().contains("z_chunk_1 is a file of its own"), err());
        assertEquals(1, err().lines().count(), err());
        assertArrayEquals(plain, get(ring.nodes.get(2), "z_chunk_1"), "the plain file is intact");
        assertEquals(1, run("rm", "z", entry), "z was never committed");
        for (int i = 1; i <= 3; i++) {
            assertFalse(anyUploadHolds("z_chunk_" + i), "the refused upload removed its chunk " + i);
        }
        assertEquals(0, run("rm", "z_chunk_1", entry), err());
        assertEquals(0, run("upload", z.toString(), ring.ip(1), "--chunk-size", "64KiB", "--quiet"), err());
        assertArrayEquals(Files.readAllBytes(z), get(ring.nodes.get(0), "z"));
    }

    /** A chunked upload the ring has no room for fails 507 and takes back the chunks it stored. */
    @Test
    void aChunkedUploadThatDoesNotFitLeavesNothingBehind(@TempDir Path nodes) throws Exception {
        try (Nodes small = Nodes.start(nodes, 3, c -> c.withCapacity(300 << 10))) {
            Path big = file("too-big.bin", 8 * CHUNK, 3);
            assertEquals(1, run("upload", big.toString(), small.ip(0), "--chunk-size", "64KiB", "--quiet"));
            assertTrue(err().contains("507"), err());
            for (NodeDaemon d : small.nodes) {
                assertEquals(0, d.store().usedBytes(), "bytes left on " + d.self());
            }
        }
    }

    @Test
    void gcListsThenCollectsTheChunksOfAnAbandonedUpload() throws Exception {
        Path f = file("abandoned.bin", 4 * CHUNK, 2);
        String upload;
        try (RingClient client = new RingClient(io.chordfs.core.cli.HostPort.parse(entry, Main.CHORD_PORT))) {
            upload = UploadJournal.open(f, "abandoned.bin", Files.size(f), CHUNK).upload();
            byte[] all = Files.readAllBytes(f);
            for (int i = 1; i <= 2; i++) {
                String c = "abandoned.bin_chunk_" + i;
                byte[] part = java.util.Arrays.copyOfRange(all, (i - 1) * CHUNK, i * CHUNK);
                client.put(client.owner(c), c, upload, RingClient.Body.of(part, part.length));
            }
        }
        assertEquals(0, run("gc", entry, "--dry-run", "--json"), err());
        assertEquals(0, JSON.readTree(out()).size(), "within the grace period nothing goes: " + out);
        Thread.sleep(Nodes.UPLOAD_GRACE_MS + 500);
        assertEquals(0, run("gc", entry, "--dry-run", "--json"), err());
        JsonNode listed = JSON.readTree(out());
        assertEquals(2, listed.size(), out());
        for (JsonNode o : listed) {
            assertEquals(upload, o.path("upload").asText());
            assertEquals("abandoned.bin", o.path("file").asText());
            assertEquals(CHUNK, o.path("size").asLong());
        }
        assertTrue(anyUploadHolds("abandoned.bin_chunk_1"), "a dry run removes nothing");
        assertEquals(0, run("gc", entry), err());
        assertTrue(out().contains("2 abandoned chunks, 128.0 KiB collected"), out());
        assertFalse(anyUploadHolds("abandoned.bin_chunk_1") || anyUploadHolds("abandoned.bin_chunk_2"));
    }
}
