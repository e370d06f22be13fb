package io.chordfs.node.store;

import static io.chordfs.node.store.StoreTesting.MIB;
import static io.chordfs.node.store.StoreTesting.bytes;
import static io.chordfs.node.store.StoreTesting.put;
import static io.chordfs.node.store.StoreTesting.readAll;
import static io.chordfs.node.store.StoreTesting.tmpFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CapacityTest {
    private static final int KIB = 1024;

    @TempDir
    Path root;

    @Test
    void theQuotaTakesThreeFilesAndRefusesTheFourthLeavingNothingBehind() throws IOException {
        Path data = root.resolve("data");
        try (ObjectStore store = ObjectStore.open(data, 128 * KIB)) {
            assertEquals(128 * KIB, store.capacityBytes());
            assertEquals(0, store.usedBytes());
            for (int i = 0; i < 3; i++) {
                put(store, "f" + i, bytes(i, 40 * KIB), i + 1);
            }
            assertEquals(120 * KIB, store.usedBytes());
            assertEquals(100.0 * 120 / 128, store.usedPercent(), 1e-9);

            StagedWrite w = store.stage("f3");
            OutputStream out = w.out();
            byte[] chunk = new byte[4 * KIB];
            StoreFullException full = assertThrows(StoreFullException.class, () -> {
                for (int i = 0; i < 10; i++) {
                    out.write(chunk);
                }
            });
            assertTrue(full.getMessage().contains("quota"), full.getMessage());
            assertEquals(List.of(), tmpFiles(data), "the partial temp file is deleted at once");
            assertThrows(IOException.class, () -> out.write(chunk), "the failed write stays failed");
            assertThrows(IOException.class, () -> w.commit(9, 1, null));
            w.close();
            assertEquals(120 * KIB, store.usedBytes());
            assertTrue(store.meta("f3").isEmpty());
            assertFalse(Files.exists(data.resolve("f3")));

            // One big write call fails the same way.
            try (StagedWrite w2 = store.stage("f3")) {
                assertThrows(StoreFullException.class, () -> w2.out().write(bytes(3, 40 * KIB)));
            }
            assertEquals(List.of(), tmpFiles(data));

            // Tombstones free the space; then it fits.
            store.delete("f0", 100, 1);
            assertEquals(80 * KIB, store.usedBytes());
            put(store, "f3", bytes(3, 40 * KIB), 5);
            assertEquals(120 * KIB, store.usedBytes());
            // A replacement needs room for both copies while it is written, as on a real disk.
            assertThrows(StoreFullException.class, () -> put(store, "f3", bytes(4, 10 * KIB), 6));
            assertEquals(120 * KIB, store.usedBytes());
            assertArrayEquals(bytes(3, 40 * KIB), readAll(store, "f3"));
            store.delete("f1", 100, 1);
            // Replacing with a smaller version shrinks the usage.
            put(store, "f3", bytes(4, 10 * KIB), 6);
            assertEquals(50 * KIB, store.usedBytes());
        }
        try (ObjectStore store = ObjectStore.open(data, 128 * KIB)) {
            assertEquals(50 * KIB, store.usedBytes(), "usage is rebuilt at open");
        }
    }

    @Test
    void concurrentUploadsTogetherCannotOverfillTheQuota() throws Exception {
        Path data = root.resolve("data");
        try (ObjectStore store = ObjectStore.open(data, 100 * KIB)) {
            StagedWrite a = store.stage("a");
            StagedWrite b = store.stage("b");
            a.out().write(bytes(1, 60 * KIB));
            assertThrows(StoreFullException.class, () -> b.out().write(bytes(2, 60 * KIB)),
                    "in-flight bytes count against the quota");
            a.commit(1, 1, null);
            assertEquals(60 * KIB, store.usedBytes());
            assertEquals(List.of(), tmpFiles(data));
        }
    }

    /** A disk whose free space shrinks as the data directory grows. */
    private static Disk smallDisk(Path data, long free) {
        return new Disk() {
            private long used() throws IOException {
                try (Stream<Path> s = Files.walk(data)) {
                    long n = 0;
                    for (Path p : (Iterable<Path>) s::iterator) {
                        if (Files.isRegularFile(p)) {
                            n += Files.size(p);
                        }
                    }
                    return n;
                }
            }

            @Override
            public long usable() throws IOException {
                return free - used();
            }

            @Override
            public long total() {
                return 100L << 30;
            }

            @Override
            public long unallocated() throws IOException {
                return usable();
            }
        };
    }

    @Test
    void withoutAQuotaTheDiskIsTheLimitLessAReserve() throws IOException {
        Path data = root.resolve("data");
        Files.createDirectories(data);
        // 64 MiB reserve (min(64 MiB, 1% of 100 GiB)); 72 MiB free leaves 8 MiB to write.
        try (ObjectStore store = ObjectStore.open(data, 0, smallDisk(data, 72L * MIB))) {
            put(store, "fits", bytes(1, 5 * MIB), 1);
            try (StagedWrite w = store.stage("too-big")) {
                byte[] chunk = new byte[256 * KIB];
                StoreFullException e = assertThrows(StoreFullException.class, () -> {
                    for (int i = 0; i < 20; i++) {
                        w.out().write(chunk);
                    }
                });
                assertTrue(e.getMessage().contains("disk full"), e.getMessage());
            }
            assertEquals(List.of(), tmpFiles(data));
            assertTrue(store.meta("too-big").isEmpty());
            assertArrayEquals(bytes(1, 5 * MIB), readAll(store, "fits"));
        }
    }

    @Test
    void enospcFromTheFileSystemIsReportedAsStoreFull() {
        IOException enospc = new IOException("No space left on device");
        IOException mapped = Quota.noSpace(enospc, "writing 'x'");
        assertInstanceOf(StoreFullException.class, mapped);
        assertTrue(mapped.getMessage().contains("disk full") && mapped.getMessage().contains("No space left"));
        assertInstanceOf(StoreFullException.class,
                Quota.noSpace(new java.nio.file.FileSystemException("/d/x", null, "Disk quota exceeded"), "x"));
        IOException other = new IOException("Input/output error");
        assertEquals(other, Quota.noSpace(other, "x"), "other errors pass through");
    }
}
