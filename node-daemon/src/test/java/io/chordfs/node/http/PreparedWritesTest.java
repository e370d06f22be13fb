package io.chordfs.node.http;

import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreparedWritesTest {
    @Test
    void aWriteTheOwnerNeverCommitsIsDiscardedAfterItsTime(@TempDir Path dir) throws Exception {
        AtomicLong now = new AtomicLong();
        try (ObjectStore store = ObjectStore.open(dir, 0); PreparedWrites held = new PreparedWrites(now::get, "test")) {
            StagedWrite kept = staged(store, "kept");
            StagedWrite forgotten = staged(store, "forgotten");
            assertTrue(held.hold("aa", kept));
            assertTrue(held.hold("bb", forgotten));
            assertFalse(held.hold("aa", forgotten), "an id is held once");
            assertSame(kept, held.take("aa"));
            assertNull(held.take("aa"), "taken once");
            now.set(PreparedWrites.TTL_MS);
            held.expire();
            assertNull(held.take("bb"));
            assertEquals(0, held.size());
            kept.close();
            try (var tmp = Files.list(dir.resolve(".chordfs").resolve("tmp"))) {
                assertEquals(0, tmp.count(), "the expired write's temp file is gone");
            }
        }
    }

    private static StagedWrite staged(ObjectStore store, String name) throws Exception {
        StagedWrite w = store.stage(name);
        w.out().write(name.getBytes());
        w.out().close();
        return w;
    }
}
