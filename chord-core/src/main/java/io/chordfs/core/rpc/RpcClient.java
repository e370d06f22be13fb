package io.chordfs.core.rpc;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An msgpack-rpc client with a connection pool: per peer up to
 * {@link RpcLimits#connectionsPerPeer()} connections, each carrying many pipelined calls.
 *
 * <p>{@link #call} never blocks: connecting and writing happen on an internal I/O pool, so it is
 * safe from a node's event thread. Futures complete on the client's own threads (a connection's
 * reader, the I/O pool or the timer): callbacks attached to them must not block; hand blocking
 * work to another executor.
 *
 * <p>How a call fails: {@link RpcError} when the peer answered with an error (carrying its error
 * object); {@link TimeoutException} when no answer came within the timeout; an {@link IOException}
 * when the connection failed ({@link java.net.ConnectException} when refused), which fails every
 * call pending on that connection; {@link IllegalArgumentException} when a param cannot be encoded.
 */
public final class RpcClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RpcClient.class.getName());
    /** Threads that connect and write; a dead peer holds one for at most connectTimeout. */
    private static final int IO_THREADS = 8;

    private final RpcLimits limits;
    private final ThreadPoolExecutor io;
    private final ScheduledThreadPoolExecutor timer;
    private final ThreadFactory readerThreads = RpcThreads.daemon("rpc-client-reader");
    // Guarded by this.
    private final Map<InetSocketAddress, List<ClientConnection>> pool = new HashMap<>();
    private int pooled;
    private long created;
    private boolean closed;

    public RpcClient(RpcLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        // Unbounded queue, yet bounded in fact: each connection queues at most one task.
        this.io = new ThreadPoolExecutor(IO_THREADS, IO_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), RpcThreads.daemon("rpc-client-io"));
        this.io.allowCoreThreadTimeOut(true);
        this.timer = new ScheduledThreadPoolExecutor(1, RpcThreads.daemon("rpc-client-timer"));
        this.timer.setRemoveOnCancelPolicy(true); // cancelled call timeouts must not pile up
        long sweep = Math.max(10, Math.min(1000,
                Math.min(limits.poolIdleTimeout().toMillis(), limits.writeTimeout().toMillis()) / 4));
        this.timer.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /** Calls {@code method} with the default {@link RpcLimits#callTimeout()}. */
    public CompletableFuture<Object> call(InetSocketAddress peer, String method, List<?> params) {
        return call(peer, method, params, limits.callTimeout());
    }

    /**
     * Sends {@code [0, msgid, method, params]} and returns at once; the future completes with the
     * decoded result (see {@link MsgpackValues}) or fails as the class documentation says.
     * {@code params} null means none.
     */
    public CompletableFuture<Object> call(InetSocketAddress peer, String method, List<?> params, Duration timeout) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(timeout, "timeout");
        byte[] encodedParams;
        try {
            encodedParams = RpcMessages.params(params);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Object> f = new CompletableFuture<>();
        ClientConnection c;
        long id;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IOException("rpc client closed"));
            }
            c = connectionFor(peer);
            if (c == null) {
                return CompletableFuture.failedFuture(new IOException(
                        "rpc client: all " + limits.maxPooledConnections() + " pooled connections are busy"));
            }
            id = c.register(f);
        }
        try {
            ScheduledFuture<?> t = timer.schedule(() -> c.fail(id, new TimeoutException(
                    "rpc " + method + " to " + peer + " timed out after " + timeout.toMillis() + " ms")),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
            f.whenComplete((r, e) -> {
                t.cancel(false);
                c.forget(id, f); // a caller's cancel leaves no pending entry behind
            });
        } catch (RejectedExecutionException e) {
            c.fail(id, new IOException("rpc client closed"));
            return f;
        }
        c.send(id, RpcMessages.request(id, method, encodedParams));
        return f;
    }

    /** Sends {@code [2, method, params]}, best effort: delivery failures are only logged at DEBUG. */
    public void notify(InetSocketAddress peer, String method, List<?> params) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(method, "method");
        byte[] frame = RpcMessages.notification(method, RpcMessages.params(params));
        ClientConnection c;
        synchronized (this) {
            c = closed ? null : connectionFor(peer);
        }
        if (c == null) {
            LOG.log(Level.DEBUG, "rpc: dropped notification {0} to {1}: no connection", method, peer);
            return;
        }
        c.send(frame);
    }

    /**
     * Blocking convenience over {@link #call(InetSocketAddress, String, List, Duration)}: returns
     * the result or throws what the call failed with ({@link RpcError} is unchecked). Never use it
     * on a node's event thread.
     */
    public Object callSync(InetSocketAddress peer, String method, List<?> params, Duration timeout)
            throws IOException, TimeoutException, InterruptedException {
        try {
            return call(peer, method, params, timeout).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof TimeoutException t) {
                throw t;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("rpc " + method + " to " + peer + " failed", cause);
        }
    }

    /** {@link #callSync(InetSocketAddress, String, List, Duration)} with the default call timeout. */
    public Object callSync(InetSocketAddress peer, String method, List<?> params)
            throws IOException, TimeoutException, InterruptedException {
        return callSync(peer, method, params, limits.callTimeout());
    }

    /** Connections in the pool now. */
    public synchronized int openConnections() {
        return pooled;
    }

    /** Connections ever created (for tests of pool reuse). */
    synchronized long connectionsCreated() {
        return created;
    }

    /**
     * The least busy pooled connection to {@code peer}; a new one only when all are busy and the
     * peer has fewer than connectionsPerPeer. Null when a new one is needed and the whole pool is
     * busy. Caller holds the lock.
     */
    private ClientConnection connectionFor(InetSocketAddress peer) {
        List<ClientConnection> conns = pool.getOrDefault(peer, List.of());
        ClientConnection best = null;
        for (ClientConnection c : conns) {
            if (best == null || c.inFlight() < best.inFlight()) {
                best = c;
            }
        }
        boolean reuse = best != null && (best.inFlight() == 0 || conns.size() >= limits.connectionsPerPeer());
        if (reuse || (pooled >= limits.maxPooledConnections() && !evictLeastRecentlyUsedIdle())) {
            return best;
        }
        ClientConnection c = new ClientConnection(peer, limits, io, readerThreads, this::remove);
        pool.computeIfAbsent(peer, k -> new ArrayList<>()).add(c);
        pooled++;
        created++;
        return c;
    }

    private boolean evictLeastRecentlyUsedIdle() {
        ClientConnection lru = null;
        for (List<ClientConnection> conns : pool.values()) {
            for (ClientConnection c : conns) {
                if (c.idle() && (lru == null || c.lastUsedNanos() - lru.lastUsedNanos() < 0)) {
                    lru = c;
                }
            }
        }
        if (lru != null) {
            lru.close(new IOException("evicted from the connection pool"));
        }
        return lru != null;
    }

    /** The connection's close callback. */
    private synchronized void remove(ClientConnection c) {
        List<ClientConnection> conns = pool.get(c.peer);
        if (conns != null && conns.remove(c)) {
            pooled--;
            if (conns.isEmpty()) {
                pool.remove(c.peer);
            }
        }
    }

    /**
     * Closes idle connections under the lock, so no call registers on one meanwhile, and
     * connections stuck writing outside it, as that fails their pending calls.
     */
    private void sweep() {
        long now = System.nanoTime();
        List<ClientConnection> stuck = new ArrayList<>();
        synchronized (this) {
            for (ClientConnection c : allConnections()) {
                if (c.idleLongerThan(now, limits.poolIdleTimeout().toNanos())) {
                    c.close(new IOException("idle connection to " + c.peer + " closed"));
                } else if (c.writeStuckLongerThan(now, limits.writeTimeout().toNanos())) {
                    stuck.add(c);
                }
            }
        }
        for (ClientConnection c : stuck) {
            c.close(new IOException("write to " + c.peer + " stuck for more than " + limits.writeTimeout()));
        }
    }

    private List<ClientConnection> allConnections() {
        List<ClientConnection> all = new ArrayList<>();
        pool.values().forEach(all::addAll);
        return all;
    }

    /** Closes every connection, failing pending calls with an IOException. */
    @Override
    public void close() {
        List<ClientConnection> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = allConnections();
        }
        for (ClientConnection c : all) {
            c.close(new IOException("rpc client closed"));
        }
        timer.shutdownNow();
        io.shutdownNow();
    }
}
