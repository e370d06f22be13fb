package io.chordfs.node.http;

import io.chordfs.node.store.StagedWrite;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Replica copies received for an owner's write and not yet committed (the first phase of the
 * owner's two-phase write, see {@code Replicator}): each is a finished {@link StagedWrite} waiting
 * for the owner's version. Bounded in number; one the owner never commits or aborts (it crashed,
 * or lost the quorum and its abort was lost) is discarded after {@link #TTL_MS}, so a refused
 * write leaves nothing behind.
 */
final class PreparedWrites implements AutoCloseable {
    static final long TTL_MS = 60_000;
    static final int MAX = 1024;

    private record Held(StagedWrite write, long expiresAt) {}

    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final LongSupplier monotonicMillis;
    private final ScheduledExecutorService reaper;

    PreparedWrites(String node) {
        this(() -> System.nanoTime() / 1_000_000, node);
    }

    PreparedWrites(LongSupplier monotonicMillis, String node) {
        this.monotonicMillis = monotonicMillis;
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "prepared-reaper-" + node);
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(this::expire, TTL_MS / 4, TTL_MS / 4, TimeUnit.MILLISECONDS);
    }

    /** Holds {@code w} under {@code tx}; false (and {@code w} untouched) when full or the id is taken. */
    boolean hold(String tx, StagedWrite w) {
        if (held.size() >= MAX) {
            return false;
        }
        return held.putIfAbsent(tx, new Held(w, monotonicMillis.getAsLong() + TTL_MS)) == null;
    }

    /** Takes the write held under {@code tx} out of the table; null when unknown or expired. */
    StagedWrite take(String tx) {
        Held h = held.remove(tx);
        return h == null ? null : h.write();
    }

    int size() {
        return held.size();
    }

    /** Discards every write past its time. */
    void expire() {
        long now = monotonicMillis.getAsLong();
        for (Iterator<Map.Entry<String, Held>> it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Held> e = it.next();
            if (e.getValue().expiresAt() <= now && held.remove(e.getKey(), e.getValue())) {
                e.getValue().write().close();
            }
        }
    }

    @Override
    public void close() {
        reaper.shutdownNow();
        for (String tx : held.keySet()) {
            StagedWrite w = take(tx);
            if (w != null) {
                w.close();
            }
        }
    }
}
