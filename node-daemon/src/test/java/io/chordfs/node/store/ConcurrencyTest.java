package io.chordfs.node.store;

import static io.chordfs.node.store.StoreTesting.MIB;
import static io.chordfs.node.store.StoreTesting.bytes;
import static io.chordfs.node.store.StoreTesting.put;
import static io.chordfs.node.store.StoreTesting.readAll;
import static io.chordfs.node.store.StoreTesting.sha256;
import static io.chordfs.node.store.StoreTesting.tmpFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrencyTest {
    @TempDir
    Path root;

    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    private static byte[] contentOf(long version) {
        return bytes(version, 200_000 + (int) (version % 100_000));
    }

    @Test
    void eightWritersOfOneNameTheLargestVersionWinsWhole() throws Exception {
        Path data = root.resolve("data");
        Random rnd = new Random(42);
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            for (int round = 0; round < 6; round++) {
                String name = "contested-" + round;
                List<Long> versions = new ArrayList<>();
                Set<Long> seen = new java.util.HashSet<>();
                while (versions.size() < 8) {
                    long v = 1 + rnd.nextInt(1_000_000);
                    if (seen.add(v)) {
                        versions.add(v);
                    }
                }
                CyclicBarrier start = new CyclicBarrier(8);
                List<Future<ObjectMeta>> results = new ArrayList<>();
                for (long v : versions) {
                    results.add(pool.submit(() -> {
                        byte[] c = contentOf(v);
                        try (StagedWrite w = store.stage(name)) {
                            start.await();
                            w.out().write(c, 0, c.length / 2);
                            Thread.yield();
                            w.out().write(c, c.length / 2, c.length - c.length / 2);
                            return w.commit(v, v, null);
                        }
                    }));
                }
                long max = Collections.max(versions);
                for (Future<ObjectMeta> f : results) {
                    ObjectMeta m = f.get(30, TimeUnit.SECONDS);
                    assertTrue(m.version() <= max);
                }
                assertEquals(max, store.meta(name).orElseThrow().version());
                assertArrayEquals(contentOf(max), readAll(store, name));
            }
            assertEquals(List.of(), tmpFiles(data));
        }
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertEquals(6, store.list().size());
            assertEquals(List.of(), store.corruptNames());
        }
    }

    @Test
    void readersDuringReplacementSeeTheOldOrTheNewVersionWhole() throws Exception {
        Path data = root.resolve("data");
        byte[] a = bytes(1, 2 * MIB + 12345);
        byte[] b = bytes(2, 3 * MIB + 99);
        Set<String> allowed = Set.of(sha256(a), sha256(b));
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            put(store, "hot", a, 1);
            AtomicBoolean done = new AtomicBoolean();
            AtomicInteger reads = new AtomicInteger();
            Set<String> seen = ConcurrentHashMap.newKeySet();
            List<Future<?>> readers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                readers.add(pool.submit(() -> {
                    MessageDigest md = Sha256.digest();
                    OutputStream sink = new OutputStream() {
                        @Override
                        public void write(int x) {
                            md.update((byte) x);
                        }

                        @Override
                        public void write(byte[] buf, int off, int len) {
                            md.update(buf, off, len);
                        }
                    };
                    while (!done.get() || reads.get() < 6) {
                        try (ObjectReader r = store.read("hot")) {
                            r.copyTo(sink, 0, r.meta().size());
                        }
                        String got = Sha256.hex(md.digest());
                        assertTrue(allowed.contains(got), "a torn read: " + got);
                        seen.add(got);
                        reads.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (int v = 2; v <= 24; v++) {
                put(store, "hot", v % 2 == 0 ? b : a, v);
            }
            done.set(true);
            for (Future<?> f : readers) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(reads.get() >= 6);
            assertArrayEquals(b, readAll(store, "hot"));
            assertEquals(List.of(), store.corruptNames());
        }
    }

    @Test
    void differentNamesCommitInParallel() throws Exception {
        Path data = root.resolve("data");
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                jobs.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        String name = "t" + thread + "-" + i;
                        put(store, name, bytes(thread * 100 + i, 1000 + i), store.nextVersion());
                        if (i % 5 == 0) {
                            store.delete(name, store.nextVersion(), 1);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(200, store.list().size());
            long live = 0;
            for (int t = 0; t < 8; t++) {
                for (int i = 0; i < 25; i++) {
                    String name = "t" + t + "-" + i;
                    if (i % 5 == 0) {
                        assertTrue(store.meta(name).orElseThrow().tombstone());
                    } else {
                        assertArrayEquals(bytes(t * 100 + i, 1000 + i), readAll(store, name));
                        live++;
                    }
                }
            }
            assertEquals(160, live);
        }
    }
}
