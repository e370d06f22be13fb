package io.chordfs.core.manifest;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes through the manifest reader: it either refuses them with an IOException or
 * returns a manifest whose chunks really add up, never anything else. Seeds run in mvn test;
 * JAZZER_FUZZ=1 fuzzes.
 */
class ManifestFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void readerRefusesOrReturnsAConsistentManifest(byte[] input) {
        Manifest m;
        try {
            m = Manifest.parse(input);
        } catch (IOException refused) {
            return;
        }
        long total = m.chunks().stream().mapToLong(Manifest.Chunk::size).sum();
        assertEquals(m.size(), total, "chunk sizes must add up to the file size");
        for (int i = 0; i < m.chunks().size(); i++) {
            assertEquals(Manifest.chunkName(m.name(), i + 1), m.chunks().get(i).name());
            assertTrue(i == m.chunks().size() - 1 || m.chunks().get(i).size() == m.chunkSize());
        }
    }
}
