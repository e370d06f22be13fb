package io.chordfs.core.ring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjectNamesTest {
    private static final String U = "0123456789abcdef0123456789abcdef";

    @Test
    void aChunkObjectIsPlacedByItsChunkName() {
        ObjectNames.ChunkObject c = ObjectNames.chunkObject("big.iso_chunk_7", U);
        assertEquals(".chordfs/up/big.iso_chunk_7/" + U, c.objectName());
        assertEquals(c, ObjectNames.parse(c.objectName()).orElseThrow());
        assertEquals("big.iso", c.file());
        assertEquals(Keys.key("big.iso_chunk_7"), ObjectNames.placementKey(c.objectName()));
        assertEquals(Keys.key("a.txt"), ObjectNames.placementKey("a.txt"));
        assertTrue(ObjectNames.isInternal(c.objectName()));
        assertFalse(ObjectNames.isInternal("a.txt"));
    }

    @Test
    void chunkNamesTakeTheLastSuffix() {
        assertEquals(new ObjectNames.ChunkName("a_chunk_1", 2), ObjectNames.chunkOf("a_chunk_1_chunk_2").orElseThrow());
        assertTrue(ObjectNames.chunkOf("a_chunk_0").isEmpty());
        assertTrue(ObjectNames.chunkOf("a_chunk_01").isEmpty());
        assertTrue(ObjectNames.chunkOf("_chunk_1").isEmpty());
        assertTrue(ObjectNames.chunkOf("a_chunk_99999999999").isEmpty());
        assertTrue(ObjectNames.chunkOf("a.txt").isEmpty());
    }

    @Test
    void badPartsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ObjectNames.chunkObject("a.txt", U));
        assertThrows(IllegalArgumentException.class, () -> ObjectNames.chunkObject("a_chunk_1", "short"));
        assertThrows(IllegalArgumentException.class, () -> ObjectNames.chunkObject("a_chunk_1", "has/slash" + U));
        assertTrue(ObjectNames.parse(".chordfs/up/a_chunk_1/bad!id00").isEmpty());
        assertTrue(ObjectNames.parse(".chordfs/up/a.txt/" + U).isEmpty());
        assertTrue(ObjectNames.parse("a_chunk_1").isEmpty());
    }
}
