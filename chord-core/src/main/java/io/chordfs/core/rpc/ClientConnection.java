package io.chordfs.core.rpc;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * One pooled client connection to a peer, multiplexing pipelined calls: a pending map from msgid
 * to future, completed by a reader thread in whatever order the answers come. Connecting and
 * writing run as one task at a time on the client's I/O pool, never on the caller's thread. Once
 * it fails, every pending call fails with the same IOException and the pool drops it.
 */
final class ClientConnection {
    final InetSocketAddress peer;
    private final RpcLimits limits;
    private final Executor io;
    private final ThreadFactory readerThreads;
    private final Consumer<ClientConnection> onClose;
    private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
    private final Queue<byte[]> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Next msgid, read as unsigned 32-bit so it wraps to 0 as rpclib's uint32 does. */
    private final AtomicInteger nextId = new AtomicInteger();
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile boolean writing;
    private volatile long writeStartedNanos;
    // Guarded by this; socket and out are set once by the first drain task.
    private IOException failure;
    private Socket socket;
    private OutputStream out;

    ClientConnection(InetSocketAddress peer, RpcLimits limits, Executor io, ThreadFactory readerThreads,
            Consumer<ClientConnection> onClose) {
        this.peer = peer;
        this.limits = limits;
        this.io = io;
        this.readerThreads = readerThreads;
        this.onClose = onClose;
    }

    /** Reserves a msgid for {@code f}. The pool calls this under its lock, so in-flight counts are exact. */
    long register(CompletableFuture<Object> f) {
        long id = Integer.toUnsignedLong(nextId.getAndIncrement());
        pending.put(id, f);
        lastUsedNanos = System.nanoTime();
        return id;
    }

    int inFlight() {
        return pending.size();
    }

    /** Queues a frame for writing; a call registered on a connection that already failed fails now. */
    void send(long id, byte[] frame) {
        IOException failed = failure();
        if (failed != null) {
            fail(id, failed);
            return;
        }
        send(frame);
    }

    void send(byte[] frame) {
        lastUsedNanos = System.nanoTime();
        outbound.add(frame);
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                io.execute(this::drain);
            } catch (RejectedExecutionException e) {
                drainScheduled.set(false);
                close(new IOException("rpc client closed"));
            }
        }
    }

    /** Fails one call (timeout, cancellation) if it is still pending; the connection stays. */
    void fail(long id, Throwable cause) {
        CompletableFuture<Object> f = pending.remove(id);
        if (f != null) {
            f.completeExceptionally(cause);
        }
    }

    void forget(long id, CompletableFuture<Object> f) {
        pending.remove(id, f);
    }

    private void drain() {
        try {
            OutputStream o = connected();
            writeStartedNanos = System.nanoTime();
            writing = true;
            byte[] frame;
            while ((frame = outbound.poll()) != null) {
                writeStartedNanos = System.nanoTime(); // per write: slow but moving is not stuck
                o.write(frame);
            }
            writeStartedNanos = System.nanoTime();
            o.flush();
        } catch (IOException e) {
            close(e);
        } finally {
            writing = false;
            drainScheduled.set(false);
            if (!outbound.isEmpty() && failure() == null) {
                scheduleDrain(); // a frame queued after our last poll
            }
        }
    }

    /** The output stream, connecting first if this is the first write. */
    private OutputStream connected() throws IOException {
        synchronized (this) {
            if (failure != null) {
                throw failure;
            }
            if (out != null) {
                return out;
            }
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(peer, (int) limits.connectTimeout().toMillis());
        } catch (IOException e) {
            s.close();
            throw e;
        }
        synchronized (this) {
            if (failure != null) { // closed while connecting
                s.close();
                throw failure;
            }
            socket = s;
            out = new BufferedOutputStream(s.getOutputStream());
        }
        readerThreads.newThread(() -> readLoop(s)).start();
        return out;
    }

    private void readLoop(Socket s) {
        try {
            MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(s.getInputStream());
            while (unpacker.hasNext()) {
                onMessage(MsgpackValues.read(unpacker, limits));
            }
            close(new IOException("connection closed by " + peer));
        } catch (IOException e) {
            close(e);
        } catch (RuntimeException e) {
            close(new IOException("rpc client reader failed", e));
        }
    }

    private void onMessage(Object message) throws RpcFormatException {
        if (!(message instanceof List<?> m) || m.isEmpty()) {
            throw new RpcFormatException("not an msgpack-rpc message from " + peer);
        }
        if (Long.valueOf(RpcMessages.NOTIFICATION).equals(m.get(0))) {
            return; // a notification from the server: nothing in our protocol uses them
        }
        if (!Long.valueOf(RpcMessages.RESPONSE).equals(m.get(0)) || m.size() != 4 || !(m.get(1) instanceof Long id)) {
            throw new RpcFormatException("expected a response [1, msgid, error, result] from " + peer);
        }
        lastUsedNanos = System.nanoTime();
        CompletableFuture<Object> f = pending.remove(id); // before completing: keeps inFlight() exact
        if (f == null) {
            return; // the call timed out or was cancelled; its late answer is dropped
        }
        if (m.get(2) != null) {
            f.completeExceptionally(new RpcError(m.get(2)));
        } else {
            f.complete(m.get(3));
        }
    }

    boolean idle() {
        return pending.isEmpty() && outbound.isEmpty();
    }

    boolean idleLongerThan(long nowNanos, long timeoutNanos) {
        return idle() && nowNanos - lastUsedNanos > timeoutNanos;
    }

    boolean writeStuckLongerThan(long nowNanos, long timeoutNanos) {
        return writing && nowNanos - writeStartedNanos > timeoutNanos;
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /** Closes the connection, fails every pending call with {@code cause}, and leaves the pool. */
    void close(IOException cause) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = cause;
            if (socket != null) {
                try {
                    socket.close(); // unblocks the reader and a stuck writer
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        outbound.clear();
        onClose.accept(this);
        for (Long id : pending.keySet()) {
            fail(id, cause);
        }
    }

    private synchronized IOException failure() {
        return failure;
    }
}
