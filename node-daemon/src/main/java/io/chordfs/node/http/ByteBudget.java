package io.chordfs.node.http;

import java.util.ArrayDeque;

/**
 * Bytes a server may hold in memory over all its connections (request bodies not yet on disk,
 * answers not yet taken by slow clients). Whoever finds the budget spent is not made to wait: it
 * leaves a callback, which runs once the bytes it asked for are granted, so a full budget costs a
 * paused connection, never a blocked thread. Waiters are served in the order they came.
 */
final class ByteBudget {
    private record Waiter(long bytes, Runnable granted) {}

    private final long limit;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private long used;

    ByteBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("budget must be positive");
        }
        this.limit = limit;
    }

    /** Counts {@code n} bytes that are in memory already, whatever the budget says. */
    synchronized void take(long n) {
        used += n;
    }

    /**
     * Takes {@code n} bytes now and returns true if they fit and nobody waits before us; otherwise
     * returns false, and {@code granted} runs later, on the thread that gives bytes back, once they
     * were taken for it. (n = 0: just "once the budget is not spent".)
     */
    boolean tryTake(long n, Runnable granted) {
        synchronized (this) {
            if (!waiting.isEmpty() || !fits(n)) {
                waiting.add(new Waiter(n, granted));
                return false;
            }
            used += n;
            return true;
        }
    }

    /** Whether more than the budget is held: whoever can stop taking should. */
    synchronized boolean exhausted() {
        return used >= limit;
    }

    /** Gives back {@code n} bytes and grants waiters while there is room. */
    void give(long n) {
        synchronized (this) {
            used -= n;
        }
        while (true) {
            Waiter next;
            synchronized (this) {
                next = waiting.peek();
                if (next == null || !fits(next.bytes)) {
                    return;
                }
                waiting.poll();
                used += next.bytes;
            }
            next.granted.run();
        }
    }

    synchronized long used() {
        return used;
    }

    /** One taker alone may exceed the limit (a block larger than what is left), but not on top of others. */
    private boolean fits(long n) {
        return used < limit && (used == 0 || used + n <= limit);
    }
}
