package io.chordfs.core.manifest;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The manifest format's rules, as both fs-client and node-daemon rely on them. */
class ManifestTest {
    static final String SHA = "ab".repeat(32);

    static Manifest.Chunk chunk(String name, long size) {
        return new Manifest.Chunk(name, size, SHA);
    }

    /** 25 bytes in chunks of 10: f_chunk_1 and f_chunk_2 of 10, f_chunk_3 of 5. */
    static Manifest valid() {
        return new Manifest("f", 25, 10, List.of(chunk("f_chunk_1", 10), chunk("f_chunk_2", 10), chunk("f_chunk_3", 5)),
                SHA, "2026-01-01T00:00:00Z", "");
    }

    static Manifest withChunks(long size, List<Manifest.Chunk> chunks) {
        return new Manifest("f", size, 10, chunks, SHA, "", "");
    }

    @Test
    void anUploadsChunksAreItsOwnObjects() throws IOException {
        String u = "0123456789abcdef0123456789abcdef";
        Manifest m = valid();
        Manifest withUpload = new Manifest(m.name(), m.size(), m.chunkSize(), m.chunks(), m.sha256(), m.created(), u);
        assertEquals(withUpload, Manifest.parse(withUpload.toJson()));
        assertEquals(".chordfs/up/f_chunk_2/" + u, withUpload.chunkObject(1));
        assertEquals("f_chunk_2", m.chunkObject(1), "a manifest without an upload reads the chunk names");
        byte[] bad = new String(withUpload.toJson(), java.nio.charset.StandardCharsets.UTF_8).replace(u, "bad id!")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThrows(IOException.class, () -> Manifest.parse(bad));
    }

    @Test
    void whatIsWrittenStartsWithTheMagicAndParsesBackTheSame() throws IOException {
        byte[] json = valid().toJson();
        assertTrue(new String(json, StandardCharsets.UTF_8).startsWith(Manifest.MAGIC));
        assertTrue(Manifest.hasMagic(json, json.length));
        assertFalse(Manifest.hasMagic(json, Manifest.MAGIC.length() - 1));
        assertEquals(valid(), Manifest.parse(json));
        Manifest empty = withChunks(0, List.of());
        assertEquals(empty, Manifest.parse(empty.toJson()));
    }

    @Test
    void chunksAreNamedFromOneAndLaidOutEveryChunkSizeBytes() {
        assertEquals("f_chunk_1", Manifest.chunkName("f", 1));
        assertEquals(20, valid().offset(2));
    }

    @Test
    void refusesWhatBreaksARule() {
        List<Manifest> bad = List.of(
                withChunks(20, List.of(chunk("f_chunk_0", 10), chunk("f_chunk_1", 10))), // names from 1
                withChunks(20, List.of(chunk("g_chunk_1", 10), chunk("g_chunk_2", 10))), // another file's chunks
                withChunks(15, List.of(chunk("f_chunk_1", 5), chunk("f_chunk_2", 10))), // a short chunk before the last
                withChunks(11, List.of(chunk("f_chunk_1", 11))), // a chunk larger than chunk_size
                withChunks(21, List.of(chunk("f_chunk_1", 10), chunk("f_chunk_2", 10))), // sizes do not add up
                withChunks(10, List.of(new Manifest.Chunk("f_chunk_1", 10, SHA + "0"))), // sha256 not 64 characters
                new Manifest("f", 10, 0, List.of(), SHA, "", ""), // chunk_size below 1
                new Manifest("f", -1, 10, List.of(), SHA, "", "")); // negative size
        for (Manifest m : bad) {
            assertThrows(IOException.class, () -> Manifest.parse(m.toJson()), m.toString());
        }
        for (String s : List.of("", " " + new String(valid().toJson(), StandardCharsets.UTF_8),
                "{\"chordfs_manifest\":1", "{\"chordfs_manifest\":2,\"name\":\"f\",\"size\":0,\"chunk_size\":1,"
                        + "\"chunks\":[],\"sha256\":\"" + SHA + "\"}")) {
            assertThrows(IOException.class, () -> Manifest.parse(s.getBytes(StandardCharsets.UTF_8)), s);
        }
    }

    /** maxChunks is what fs-client sizes chunks by: that many chunks must fit in MAX_BYTES. */
    @Test
    void maxChunksFitWithinMaxBytesEvenForTheLongestNames() throws IOException {
        for (String name : List.of("f", "\"".repeat(255))) { // a quote doubles when escaped
            int n = (int) Manifest.maxChunks(name);
            long chunkSize = Long.MAX_VALUE / n;
            List<Manifest.Chunk> chunks = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                chunks.add(new Manifest.Chunk(Manifest.chunkName(name, i), chunkSize, SHA));
            }
            Manifest m = new Manifest(name, n * chunkSize, chunkSize, chunks, SHA, "2026-12-31T23:59:59.999999999Z",
                    "u".repeat(64));
            byte[] json = m.toJson();
            assertTrue(json.length <= Manifest.MAX_BYTES, name.length() + " bytes of name: " + json.length);
            assertEquals(m, Manifest.parse(json));
        }
    }
}
