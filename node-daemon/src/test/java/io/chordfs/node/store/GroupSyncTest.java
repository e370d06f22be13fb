package io.chordfs.node.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupSyncTest {
    @Test
    void oneCallerAloneGetsOneFsyncPerCall(@TempDir Path dir) throws Exception {
        GroupSync sync = new GroupSync(dir);
        for (int i = 0; i < 5; i++) {
            sync.sync();
        }
        assertEquals(5, sync.fsyncs());
    }

    @Test
    void concurrentCallersShareFsyncsAndAllReturn(@TempDir Path dir) throws Exception {
        GroupSync sync = new GroupSync(dir);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < 16 * 40; i++) {
            calls.add(pool.submit(() -> {
                sync.sync();
                return null;
            }));
        }
        for (Future<?> f : calls) {
            f.get();
        }
        pool.shutdown();
        assertTrue(sync.fsyncs() < calls.size(), "overlapping calls must share fsyncs: " + sync.fsyncs());
        assertTrue(sync.fsyncs() >= 1);
    }
}
