package io.chordfs.core.rpc;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * An msgpack-rpc server over blocking sockets: one acceptor thread, one reader thread per
 * connection (at most {@link RpcLimits#maxConnections()}), a small shared pool that writes answers,
 * and a watchdog that closes stuck and idle connections. A bad message closes or answers only its
 * own connection; see the package documentation for the exact rules.
 */
public final class RpcServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());
    /** Writer threads; a peer that stops reading holds one for at most writeTimeout. */
    private static final int WRITER_THREADS = 8;
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(2);

    private final ServerSocket serverSocket;
    private final RpcHandler handler;
    private final RpcLimits limits;
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor readers;
    private final ThreadPoolExecutor writers;
    private final ScheduledExecutorService watchdog;
    private final Thread acceptor;
    private volatile boolean closed;

    private RpcServer(ServerSocket serverSocket, RpcHandler handler, RpcLimits limits) {
        this.serverSocket = serverSocket;
        this.handler = handler;
        this.limits = limits;
        String port = String.valueOf(serverSocket.getLocalPort());
        // Admission counts connections, so at most maxConnections readers run; the queue only holds a
        // new connection for the moment a just-closed connection's thread takes to become free.
        this.readers = new ThreadPoolExecutor(limits.maxConnections(), limits.maxConnections(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), RpcThreads.daemon("rpc-server-" + port + "-reader"));
        this.readers.allowCoreThreadTimeOut(true);
        // Unbounded queue, yet bounded in fact: each connection queues at most one drain task.
        this.writers = new ThreadPoolExecutor(WRITER_THREADS, WRITER_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), RpcThreads.daemon("rpc-server-" + port + "-writer"));
        this.writers.allowCoreThreadTimeOut(true);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(RpcThreads.daemon("rpc-server-" + port + "-watchdog"));
        this.acceptor = RpcThreads.daemon("rpc-server-" + port + "-acceptor").newThread(this::acceptLoop);
    }

    /** Binds {@code bind} (port 0 picks a free port, see {@link #address()}) and starts serving. */
    public static RpcServer start(InetSocketAddress bind, RpcHandler handler, RpcLimits limits) throws IOException {
        ServerSocket ss = new ServerSocket();
        try {
            ss.setReuseAddress(true);
            ss.bind(bind, 128);
        } catch (IOException e) {
            ss.close();
            throw e;
        }
        RpcServer server = new RpcServer(ss, handler, limits);
        long period = Math.max(10, Math.min(1000,
                Math.min(limits.idleTimeout().toMillis(), limits.writeTimeout().toMillis()) / 4));
        server.watchdog.scheduleWithFixedDelay(server::checkConnections, period, period, TimeUnit.MILLISECONDS);
        server.acceptor.start();
        return server;
    }

    /** The address actually bound. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    /** Connections open now. */
    public int connectionCount() {
        return connections.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.log(Level.WARNING, "rpc: accept failed on {0}: {1}", address(), e);
                pause(); // e.g. out of file descriptors: do not spin
                continue;
            }
            admit(socket);
        }
    }

    private void admit(Socket socket) {
        if (connections.size() >= limits.maxConnections()) {
            LOG.log(Level.WARNING, "rpc: refused connection from {0}: {1} connections open, the limit",
                    socket.getRemoteSocketAddress(), limits.maxConnections());
            closeQuietly(socket);
            return;
        }
        ServerConnection c;
        try {
            socket.setTcpNoDelay(true);
            c = new ServerConnection(socket, handler, limits, writers, connections::remove);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "rpc: dropped connection from {0}: {1}", socket.getRemoteSocketAddress(), e);
            closeQuietly(socket);
            return;
        }
        connections.add(c);
        if (closed) { // close() may have taken its snapshot of connections before the add
            c.close("server shutting down", Level.DEBUG);
            return;
        }
        try {
            readers.execute(c::serve);
        } catch (RejectedExecutionException e) {
            c.close("server shutting down", Level.DEBUG);
        }
    }

    private void checkConnections() {
        long now = System.nanoTime();
        for (ServerConnection c : connections) {
            c.check(now);
        }
    }

    /** Stops accepting, closes every connection and waits (boundedly) for the threads to finish. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(serverSocket);
        for (ServerConnection c : List.copyOf(connections)) {
            c.close("server shutting down", Level.DEBUG);
        }
        watchdog.shutdownNow();
        readers.shutdownNow(); // interrupts readers waiting for an in-flight slot
        writers.shutdownNow();
        try {
            acceptor.join(SHUTDOWN_WAIT.toMillis());
            readers.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            writers.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing to do: it is going away
        }
    }
}
