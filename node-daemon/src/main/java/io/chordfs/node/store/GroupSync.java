package io.chordfs.node.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Group commit for one directory: many writers that each need "my rename is durable" share one
 * fsync of the directory. A writer takes a ticket after its rename; an fsync that starts after
 * that covers it, so while one fsync runs, every writer that arrives meanwhile waits for the
 * next one, which then serves them all.
 */
final class GroupSync {
    private final Path dir;
    private long requested;
    private long durable;
    private boolean running;
    private long fsyncs;

    GroupSync(Path dir) {
        this.dir = dir;
    }

    /** How many fsyncs ran: at most one per call, fewer when calls overlap. */
    synchronized long fsyncs() {
        return fsyncs;
    }

    /** Returns once every directory change made before this call is durable. */
    void sync() throws IOException {
        long ticket;
        long covers;
        synchronized (this) {
            ticket = ++requested;
            while (true) {
                if (durable >= ticket) {
                    return;
                }
                if (!running) {
                    running = true;
                    covers = requested;
                    break;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for " + dir + " to be synced", e);
                }
            }
        }
        boolean ok = false;
        try {
            FileOps.fsyncDir(dir);
            ok = true;
            synchronized (this) {
                fsyncs++;
            }
        } finally {
            synchronized (this) {
                running = false;
                if (ok) {
                    durable = Math.max(durable, covers);
                }
                notifyAll();
            }
        }
    }
}
