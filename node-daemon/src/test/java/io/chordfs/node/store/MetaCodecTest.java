package io.chordfs.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class MetaCodecTest {
    @Test
    void roundTripsAwkwardNamesAndLargeNumbers() throws IOException {
        for (String name : List.of("a.txt", "q\"uote\\back/slash", "héllo ☃ 𝄞", "\u007f", "x".repeat(255))) {
            ObjectMeta m = new ObjectMeta(name, 4294967295L, 5L << 30, "ab".repeat(32), Long.MAX_VALUE, false,
                    1_700_000_000_123L, ObjectStore.BLOCK_SIZE, java.util.Collections.nCopies(5120, 4294967295L));
            assertEquals(m, MetaCodec.decode(MetaCodec.encode(m)), name);
        }
        ObjectMeta tomb = new ObjectMeta("gone", 1, 0, "", 7, true, 8, ObjectStore.BLOCK_SIZE, List.of());
        assertEquals(tomb, MetaCodec.decode(MetaCodec.encode(tomb)));
    }

    @Test
    void ignoresUnknownFieldsAndRejectsDamage() throws IOException {
        String ok = "{\"format\":1,\"name\":\"a\",\"extra\":\"x\",\"key\":1,\"size\":1,\"sha256\":\"00\",\"version\":2,"
                + "\"tombstone\":false,\"modified\":3,\"blockSize\":1048576,\"more\":[1,2],\"crc32c\":[5]}";
        assertEquals("a", MetaCodec.decode(ok.getBytes(StandardCharsets.UTF_8)).name());
        for (String bad : List.of("", "{", "{\"format\":1}", ok.substring(0, ok.length() - 1), ok + "x",
                ok.replace("\"format\":1", "\"format\":2"), ok.replace("[5]", "[5,6]"), "[]", "\u0000")) {
            assertThrows(IOException.class, () -> MetaCodec.decode(bad.getBytes(StandardCharsets.UTF_8)), bad);
        }
    }
}
