package io.chordfs.node.http;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An inactivity timeout for request and response bodies, which the JDK's HttpServer lacks: its
 * {@code maxReqTime}/{@code maxRspTime} are deadlines for a whole request or response, which a
 * large upload or download on a slow link would hit, and a client that stops sending or reading
 * in the middle of a body otherwise holds a worker thread forever.
 *
 * <p>How: the exchange's streams are wrapped; each read or write marks the thread as "inside
 * socket I/O since t". A timer interrupts a thread that has been inside one call longer than the
 * timeout. The JDK's exchange streams are blocking {@code SocketChannel}s, which are
 * interruptible: the interrupt closes the channel and the blocked call throws, which frees the
 * thread and drops the connection. The interrupt is only ever delivered while the thread is inside
 * a wrapped call (mark, unmark and interrupt happen under one lock), never while it works on files,
 * and the interrupt status is cleared before the call returns, so a pooled thread never carries it
 * on to its next request.
 *
 * <p>IOExceptions from the request stream are rethrown as {@link ClientIOException} so callers can
 * tell "the client went away / stalled" from a storage error.
 */
final class IoWatchdog implements AutoCloseable {
    /** Reading the request or writing the response failed or stalled: the connection is gone. */
    static final class ClientIOException extends IOException {
        ClientIOException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Writes are split so progress is measured at least every this many bytes. */
    private static final int MAX_WRITE = 64 * 1024;

    private final long timeoutNanos;
    private final Set<Guard> active = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;

    IoWatchdog(long timeoutMillis, String threadName) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(20, Math.min(1000, timeoutMillis / 4));
        timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    /** Starts guarding the current thread; close the guard when the exchange is done. */
    Guard guard() {
        Guard g = new Guard(Thread.currentThread());
        active.add(g);
        return g;
    }

    private void check() {
        long now = System.nanoTime();
        for (Guard g : active) {
            g.expire(now);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    final class Guard implements AutoCloseable {
        private final Thread thread;
        private boolean inside;
        private long since;
        private boolean fired;
        private boolean closed;

        private Guard(Thread thread) {
            this.thread = thread;
        }

        synchronized void expire(long now) {
            if (inside && !fired && !closed && now - since > timeoutNanos) {
                fired = true;
                thread.interrupt();
            }
        }

        private synchronized void enter() throws ClientIOException {
            if (fired) {
                throw new ClientIOException("no progress for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", null);
            }
            inside = true;
            since = System.nanoTime();
        }

        /** Leaves a call; true when the timer fired during it (the interrupt status is cleared). */
        private synchronized boolean exit() {
            inside = false;
            if (fired) {
                Thread.interrupted();
                return true;
            }
            return false;
        }

        @Override
        public void close() {
            active.remove(this);
            synchronized (this) {
                closed = true;
                inside = false;
                if (fired) {
                    Thread.interrupted();
                }
            }
        }

        private ClientIOException stalled(IOException cause) {
            return new ClientIOException("the client made no progress for "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", cause);
        }

        InputStream wrap(InputStream in) {
            return new FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    enter();
                    IOException failure = null;
                    try {
                        return super.read();
                    } catch (IOException e) {
                        failure = e;
                        throw new ClientIOException("reading the request failed: " + e, e);
                    } finally {
                        if (exit()) {
                            throw stalled(failure);
                        }
                    }
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    enter();
                    IOException failure = null;
                    try {
                        return in.read(b, off, len);
                    } catch (IOException e) {
                        failure = e;
                        throw new ClientIOException("reading the request failed: " + e, e);
                    } finally {
                        if (exit()) {
                            throw stalled(failure);
                        }
                    }
                }
            };
        }

        OutputStream wrap(OutputStream out) {
            return new FilterOutputStream(out) {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    int at = off;
                    int left = len;
                    while (left > 0) {
                        int n = Math.min(left, MAX_WRITE);
                        writeChunk(b, at, n);
                        at += n;
                        left -= n;
                    }
                }

                private void writeChunk(byte[] b, int off, int n) throws IOException {
                    call(() -> out.write(b, off, n));
                }

                @Override
                public void flush() throws IOException {
                    call(out::flush);
                }

                @Override
                public void close() throws IOException {
                    call(out::close);
                }
            };
        }

        private interface Io {
            void run() throws IOException;
        }

        private void call(Io io) throws IOException {
            enter();
            IOException failure = null;
            try {
                io.run();
            } catch (IOException e) {
                failure = e;
                throw new ClientIOException("writing the response failed: " + e, e);
            } finally {
                if (exit()) {
                    throw stalled(failure);
                }
            }
        }
    }
}
