package io.chordfs.node.peer;

import io.chordfs.core.net.HttpPut;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bodies of PUTs to other nodes made while an upload arrives: each piece is copied once and
 * queued for every body, which the thread running that PUT sends on ({@link #body}). A body's
 * queue holds at most {@link #QUEUE_BYTES}: past that {@link #offer} says to stop reading the
 * sender, and {@link #whenReady} calls back once every queue is below half. A PUT that fails
 * leaves (its queue is dropped, and it no longer holds the others back). {@link #close} before
 * {@link #end} makes every body fail, so each receiver sees its request cut short and throws
 * the partial copy away.
 */
public final class StreamedBodies {
    /** What one upload may have queued for one receiver before its sender is paused. */
    public static final int QUEUE_BYTES = 1 << 20;

    private final String name;
    private final long idleNanos;
    private final List<Queue> queues = new ArrayList<>();
    // guarded by this
    private Runnable whenReady;
    private boolean open = true;
    private boolean ended;

    /**
     * @param name the upload's, for messages
     * @param receivers how many bodies
     * @param idleMillis how long a body waits for its next piece before it gives up (a safety net:
     *                   the upload is normally ended or closed long before)
     */
    public StreamedBodies(String name, int receivers, long idleMillis) {
        this.name = name;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        for (int i = 0; i < receivers; i++) {
            queues.add(new Queue());
        }
    }

    /** The body of receiver {@code i}'s PUT, to be sent once, on the thread that runs that PUT. */
    public HttpPut.Body body(int i) {
        return queues.get(i)::pump;
    }

    /** Receiver {@code i}'s PUT ended (answered or failed): it takes no more pieces. */
    public void left(int i) {
        synchronized (this) {
            Queue q = queues.get(i);
            q.live = false;
            q.pieces.clear();
            q.queued = 0;
        }
        drained();
    }

    /** Queues a copy of {@code piece}'s remaining bytes (not consumed) for every receiver still there; false when it should wait for {@link #whenReady}. */
    public synchronized boolean offer(ByteBuffer piece) {
        byte[] copy = null;
        for (Queue q : queues) {
            if (q.live) {
                if (copy == null) {
                    copy = new byte[piece.remaining()];
                    piece.duplicate().get(copy);
                }
                q.pieces.add(copy);
                q.queued += copy.length;
            }
        }
        notifyAll();
        return below(QUEUE_BYTES);
    }

    /** Runs {@code ready} once every queue is below half: at once if it is now. */
    public void whenReady(Runnable ready) {
        synchronized (this) {
            if (open && !below(QUEUE_BYTES / 2)) {
                whenReady = ready;
                return;
            }
        }
        ready.run();
    }

    /** Every piece is offered: each body ends once its queue is sent. */
    public synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** Cuts every body that has not ended (idempotent); a caller waiting for {@link #whenReady} is released. */
    public void close() {
        Runnable r;
        synchronized (this) {
            open = false;
            notifyAll();
            r = whenReady;
            whenReady = null;
        }
        if (r != null) {
            r.run();
        }
    }

    /** Whether every receiver still there has fewer than {@code bytes} queued. Holds this. */
    private boolean below(long bytes) {
        for (Queue q : queues) {
            if (q.live && q.queued >= bytes) {
                return false;
            }
        }
        return true;
    }

    /** A queue got shorter: the caller waiting to offer more is called back once all are below half. */
    private void drained() {
        Runnable r;
        synchronized (this) {
            if (whenReady == null || open && !below(QUEUE_BYTES / 2)) {
                return;
            }
            r = whenReady;
            whenReady = null;
        }
        r.run();
    }

    /** One receiver's pieces. */
    private final class Queue {
        // guarded by StreamedBodies.this
        final ArrayDeque<byte[]> pieces = new ArrayDeque<>();
        long queued;
        boolean live = true;

        /** Sends the pieces as they are queued, until the end of the upload. */
        void pump(OutputStream out) throws IOException {
            Object lock = StreamedBodies.this;
            while (true) {
                byte[] piece;
                synchronized (lock) {
                    long deadline = System.nanoTime() + idleNanos;
                    while (open && pieces.isEmpty() && !ended) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new HttpTimeoutException("no bytes of " + name + " to send for "
                                    + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s");
                        }
                        try {
                            TimeUnit.NANOSECONDS.timedWait(lock, left);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted while sending " + name, e);
                        }
                    }
                    if (!open) {
                        throw new IOException("the upload of " + name + " was abandoned");
                    }
                    piece = pieces.peek();
                    if (piece == null) {
                        return; // ended, and all sent
                    }
                }
                out.write(piece);
                synchronized (lock) {
                    if (live) {
                        pieces.poll();
                        queued -= piece.length;
                    }
                }
                drained();
            }
        }
    }
}
