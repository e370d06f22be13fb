package io.chordfs.node.http;

import io.chordfs.node.store.ObjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static io.chordfs.node.http.Fixture.random;
import static io.chordfs.node.http.Fixture.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A manifest written as fs-client writes it makes GET/HEAD answer with the assembled file. */
class ChunkedFilesTest {
    static final int CHUNK = 100_000; // crosses the store's 1 MiB blocks never, the 64 KiB copy buffer often

    @TempDir
    Path dir;
    Fixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    /** Stores {@code data} as chunks plus a manifest under {@code name}, as the client does. */
    byte[] storeChunked(String name, byte[] data) throws IOException {
        StringBuilder chunks = new StringBuilder();
        int n = (data.length + CHUNK - 1) / CHUNK;
        for (int i = 0; i < n; i++) {
            byte[] c = Arrays.copyOfRange(data, i * CHUNK, Math.min(data.length, (i + 1) * CHUNK));
            String cn = name + "_chunk_" + (i + 1);
            assertTrue(f.send("PUT", "/" + cn, c).statusCode() / 100 == 2);
            chunks.append(i == 0 ? "" : ",").append("{\"name\":\"").append(cn).append("\",\"size\":").append(c.length)
                    .append(",\"sha256\":\"").append(sha256(c)).append("\"}");
        }
        byte[] manifest = ("{\"chordfs_manifest\":1,\"name\":\"" + name + "\",\"size\":" + data.length + ",\"chunk_size\":"
                + CHUNK + ",\"chunks\":[" + chunks + "],\"sha256\":\"" + sha256(data) + "\",\"created\":\"x\"}")
                .getBytes(StandardCharsets.UTF_8);
        assertTrue(f.send("PUT", "/" + name, manifest).statusCode() / 100 == 2);
        return manifest;
    }

    @Test
    void getAssemblesRawGivesTheManifestRangesAndHeadWork() throws IOException {
        f = Fixture.start(dir, 0, FileServer.Options.defaults());
        byte[] data = random(3 * CHUNK + 17, 1);
        byte[] manifest = storeChunked("f.bin", data);

        HttpResponse<byte[]> r = f.get("/f.bin");
        assertEquals(200, r.statusCode());
        assertArrayEquals(data, r.body());
        assertEquals("\"" + sha256(data) + "\"", r.headers().firstValue("ETag").orElseThrow());
        assertEquals("4", r.headers().firstValue("X-ChordFS-Chunks").orElseThrow());

        assertArrayEquals(manifest, f.get("/f.bin", "X-ChordFS-Raw", "1").body());
        assertArrayEquals(manifest, f.get("/f.bin?raw=1").body());

        HttpResponse<byte[]> part = f.get("/f.bin", "Range", "bytes=" + (CHUNK - 3) + "-" + (2 * CHUNK + 2));
        assertEquals(206, part.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, CHUNK - 3, 2 * CHUNK + 3), part.body());
        assertArrayEquals(Arrays.copyOfRange(data, data.length - 5, data.length),
                f.get("/f.bin", "Range", "bytes=-5").body());
        assertEquals(416, f.get("/f.bin", "Range", "bytes=" + data.length + "-").statusCode());

        HttpResponse<byte[]> head = f.send("HEAD", "/f.bin", null);
        assertEquals(200, head.statusCode());
        assertEquals(String.valueOf(data.length), head.headers().firstValue("Content-Length").orElseThrow());
        assertEquals(304, f.get("/f.bin", "If-None-Match", "\"" + sha256(data) + "\"").statusCode());
    }

    @Test
    void missingOrWrongChunksNeverGiveAShortOrWrongFile() throws Exception {
        f = Fixture.start(dir, 0, FileServer.Options.defaults());
        byte[] data = random(3 * CHUNK, 2);
        storeChunked("g.bin", data);

        // first chunk missing: 502 naming it, before any byte
        assertEquals(204, f.send("DELETE", "/g.bin_chunk_1", null).statusCode());
        HttpResponse<byte[]> r = f.get("/g.bin");
        assertEquals(502, r.statusCode());
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("g.bin_chunk_1"));

        // a later chunk replaced by other bytes: the status went out, then the connection is cut
        storeChunked("g.bin", data);
        assertEquals(204, f.send("PUT", "/g.bin_chunk_3", random(CHUNK, 99)).statusCode());
        HttpResponse<java.io.InputStream> down = Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(f.base + "/g.bin"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, down.statusCode());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThrows(IOException.class, () -> down.body().transferTo(got));
        assertTrue(got.size() < data.length);
        assertArrayEquals(Arrays.copyOf(data, got.size()), got.toByteArray(), "only good bytes");

        // the last chunk with right metadata but rotten bytes on disk: not the last byte either
        storeChunked("g.bin", data);
        FileServerTest.flipByte(dir.resolve("g.bin_chunk_3"), CHUNK - 1);
        HttpResponse<java.io.InputStream> d2 = Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(f.base + "/g.bin"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        ByteArrayOutputStream got2 = new ByteArrayOutputStream();
        assertThrows(IOException.class, () -> d2.body().transferTo(got2));
        assertTrue(got2.size() < data.length, "short: " + got2.size());
    }

    @Test
    void plainObjectsThatMerelyLookLikeManifestsAreServedAsTheyAre() throws IOException {
        f = Fixture.start(dir, 0, FileServer.Options.defaults());
        byte[] fake = "{\"chordfs_manifest\":1, this is not json".getBytes(StandardCharsets.UTF_8);
        assertEquals(201, f.send("PUT", "/fake.json", fake).statusCode());
        assertArrayEquals(fake, f.get("/fake.json").body());
        // a valid manifest under another name is not this file's: served as it is
        byte[] other = ("{\"chordfs_manifest\":1,\"name\":\"x\",\"size\":0,\"chunk_size\":1,\"chunks\":[],"
                + "\"sha256\":\"" + sha256(new byte[0]) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertEquals(201, f.send("PUT", "/y", other).statusCode());
        assertArrayEquals(other, f.get("/y").body());
        assertTrue(io.chordfs.node.route.Manifests.parse("x", other).isPresent(), "a manifest of x");
        assertTrue(io.chordfs.node.route.Manifests.parse("y", other).isEmpty(), "not of y");
        assertTrue(io.chordfs.node.route.Manifests.parse("x", "{\"chordfs_manifest\":1}".getBytes(StandardCharsets.UTF_8)).isEmpty());
        assertTrue(ObjectStore.BLOCK_SIZE > CHUNK);
    }
}
