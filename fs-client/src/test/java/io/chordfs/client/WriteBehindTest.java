package io.chordfs.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteBehindTest {
    /** Waits (up to 10 s) until {@code count} reaches {@code n}. */
    private static void awaitCount(AtomicInteger count, int n) throws InterruptedException {
        for (int i = 0; i < 1000 && count.get() < n; i++) {
            Thread.sleep(10);
        }
        assertTrue(count.get() >= n, "flushed " + count.get() + " times, expected " + n);
    }

    @Test
    void flushesUntilStoppedAndNotAfter() throws Exception {
        AtomicInteger flushes = new AtomicInteger();
        AtomicInteger interrupted = new AtomicInteger();
        Transfers.WriteBehind w = new Transfers.WriteBehind(() -> {
            flushes.incrementAndGet();
            if (Thread.currentThread().isInterrupted()) {
                interrupted.incrementAndGet();
            }
        });
        awaitCount(flushes, 3);
        w.stop();
        int atStop = flushes.get();
        Thread.sleep(3 * Transfers.WriteBehind.PERIOD_MS);
        assertEquals(atStop, flushes.get(), "flushed after stop");
        assertEquals(0, interrupted.get(), "a flush ran interrupted (it would close the file's channel)");
        assertDoesNotThrow(w::throwIfFailed);
    }

    @Test
    void aFailedFlushIsReportedOnceStopped() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Transfers.WriteBehind w = new Transfers.WriteBehind(() -> {
            calls.incrementAndGet();
            throw new IOException("EIO");
        });
        awaitCount(calls, 1);
        w.stop();
        // Linux reports a write-back error to one fsync only: this is the download's only chance to see it.
        IOException e = assertThrows(IOException.class, w::throwIfFailed);
        assertTrue(e.getMessage().contains("EIO"), e.getMessage());
        assertEquals(1, calls.get(), "kept flushing after a failure");
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
