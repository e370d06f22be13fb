package io.chordfs.core.rpc;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * One accepted connection. Its reader thread decodes messages and dispatches each request at once
 * (pipelining); answers are queued as their futures complete and written, in completion order, by
 * one task at a time on the server's shared writer pool, so a completing thread never blocks on
 * the socket and a stuck peer ties up at most one writer thread.
 */
final class ServerConnection {
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());

    private record Answer(Object msgid, String method, Object error, Object result) {}

    private final Socket socket;
    private final String peer;
    private final OutputStream out;
    private final RpcHandler handler;
    private final RpcLimits limits;
    private final Executor writers;
    private final Consumer<ServerConnection> onClose;
    /** Requests dispatched and not yet answered (notifications until their future completes). */
    private final Semaphore inFlight;
    private final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile boolean writing;
    private volatile long writeStartedNanos;

    ServerConnection(Socket socket, RpcHandler handler, RpcLimits limits, Executor writers,
            Consumer<ServerConnection> onClose) throws IOException {
        this.socket = socket;
        this.peer = String.valueOf(socket.getRemoteSocketAddress());
        this.out = new BufferedOutputStream(socket.getOutputStream());
        this.handler = handler;
        this.limits = limits;
        this.writers = writers;
        this.onClose = onClose;
        this.inFlight = new Semaphore(limits.maxInFlightPerConnection());
    }

    /** The reader loop; runs on a reader thread until the connection closes. */
    void serve() {
        try {
            // No BufferedInputStream: the unpacker reads the stream in 8 KiB chunks itself.
            MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(socket.getInputStream());
            while (!closed.get() && unpacker.hasNext()) {
                Object message = MsgpackValues.read(unpacker, limits);
                lastActivityNanos = System.nanoTime();
                onMessage(message);
            }
            close("peer closed the connection", Level.DEBUG);
        } catch (RpcFormatException e) {
            close("protocol error: " + e.getMessage(), Level.INFO);
        } catch (IOException e) {
            close("I/O error: " + e, Level.DEBUG);
        } catch (InterruptedException e) {
            close("server shutting down", Level.DEBUG);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "rpc: reader for " + peer + " failed", e);
            close("internal error: " + e, Level.WARNING);
        }
    }

    private void onMessage(Object message) throws RpcFormatException, InterruptedException {
        if (!(message instanceof List<?> m) || m.isEmpty() || !(m.get(0) instanceof Long type)) {
            throw new RpcFormatException("not an msgpack-rpc message (expected an array starting with a type): "
                    + MsgpackValues.typeName(message));
        }
        if (type == RpcMessages.REQUEST) {
            onRequest(m);
        } else if (type == RpcMessages.NOTIFICATION) {
            onNotification(m);
        } else if (type == RpcMessages.RESPONSE) {
            // We never send requests, so no response can be ours; harmless, so ignored (see package doc).
            LOG.log(Level.DEBUG, "rpc: ignoring a response message from {0}", peer);
        } else {
            throw new RpcFormatException("unknown message type " + type);
        }
    }

    private void onRequest(List<?> m) throws RpcFormatException, InterruptedException {
        Object msgid = m.size() > 1 ? m.get(1) : null;
        if (!(msgid instanceof Long id && id >= 0) && !(msgid instanceof BigInteger)) {
            throw new RpcFormatException("request without a valid msgid: " + msgid);
        }
        if (!acquire()) {
            return;
        }
        if (m.size() != 3 && m.size() != 4) {
            enqueue(new Answer(msgid, "?", "bad request: expected [0, msgid, method, params]", null));
            return;
        }
        String method;
        List<Object> params;
        try {
            method = MsgpackValues.asString(m.get(2));
            params = params(m.size() == 4 ? m.get(3) : null);
        } catch (IllegalArgumentException e) {
            enqueue(new Answer(msgid, "?", "bad request: " + e.getMessage(), null));
            return;
        }
        dispatch(method, params, false).whenComplete((result, failure) -> answer(msgid, method, result, failure));
    }

    private void onNotification(List<?> m) throws RpcFormatException, InterruptedException {
        String method;
        List<Object> params;
        try {
            if (m.size() != 2 && m.size() != 3) {
                throw new IllegalArgumentException("expected [2, method, params]");
            }
            method = MsgpackValues.asString(m.get(1));
            params = params(m.size() == 3 ? m.get(2) : null);
        } catch (IllegalArgumentException e) {
            throw new RpcFormatException("bad notification: " + e.getMessage()); // no msgid to answer
        }
        if (!acquire()) {
            return;
        }
        dispatch(method, params, true).whenComplete((result, failure) -> {
            inFlight.release();
            if (failure != null) {
                LOG.log(Level.DEBUG, "rpc: notification {0} from {1} failed: {2}", method, peer, failure);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Object> params(Object p) {
        if (p == null) {
            return new ArrayList<>();
        }
        if (!(p instanceof List<?>)) {
            throw new IllegalArgumentException("params must be an array, got " + MsgpackValues.typeName(p));
        }
        return (List<Object>) p;
    }

    /** Backpressure: waits for an in-flight slot; false when the connection closed meanwhile. */
    private boolean acquire() throws InterruptedException {
        while (!closed.get()) {
            if (inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    private CompletableFuture<Object> dispatch(String method, List<Object> params, boolean notification) {
        try {
            CompletableFuture<Object> f = notification ? handler.notification(method, params) : handler.handle(method, params);
            return f != null ? f : CompletableFuture.failedFuture(new IllegalStateException("handler returned null"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void answer(Object msgid, String method, Object result, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause == null) {
            enqueue(new Answer(msgid, method, null, result));
        } else if (cause instanceof RpcError e) {
            enqueue(new Answer(msgid, method, e.error(), null));
        } else {
            LOG.log(Level.WARNING, "rpc: handler for " + method + " failed", cause);
            enqueue(new Answer(msgid, method, "internal error in '" + method + "'", null));
        }
    }

    /** Queues an answer and makes sure one writer task runs; never blocks. */
    private void enqueue(Answer a) {
        if (closed.get()) {
            inFlight.release();
            return;
        }
        answers.add(a);
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                writers.execute(this::drain);
            } catch (RejectedExecutionException e) {
                close("server shutting down", Level.DEBUG);
            }
        }
    }

    private void drain() {
        try {
            writeStartedNanos = System.nanoTime();
            writing = true;
            Answer a;
            while ((a = answers.poll()) != null) {
                if (!closed.get()) {
                    byte[] frame = encode(a);
                    writeStartedNanos = System.nanoTime(); // per write: slow but moving is not stuck
                    out.write(frame);
                }
                inFlight.release();
            }
            writeStartedNanos = System.nanoTime();
            out.flush();
            lastActivityNanos = System.nanoTime();
        } catch (IOException e) {
            close("write failed: " + e, Level.DEBUG);
        } finally {
            writing = false;
            drainScheduled.set(false);
            if (!answers.isEmpty()) {
                scheduleDrain(); // an answer queued after our last poll
            }
        }
    }

    private byte[] encode(Answer a) {
        try {
            return RpcMessages.response(a.msgid(), a.error(), a.result());
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "rpc: cannot encode the answer to {0}: {1}", a.method(), e.getMessage());
            return RpcMessages.response(a.msgid(), "internal error in '" + a.method() + "'", null);
        }
    }

    /** Called by the server's watchdog: closes a connection stuck writing or idle too long. */
    void check(long nowNanos) {
        if (writing && nowNanos - writeStartedNanos > limits.writeTimeout().toNanos()) {
            close("write stuck for more than " + limits.writeTimeout(), Level.INFO);
        } else if (inFlight.availablePermits() == limits.maxInFlightPerConnection()
                && nowNanos - lastActivityNanos > limits.idleTimeout().toNanos()) {
            close("idle for more than " + limits.idleTimeout(), Level.DEBUG);
        }
    }

    void close(String reason, Level level) {
        if (closed.compareAndSet(false, true)) {
            LOG.log(level, "rpc: closed connection from {0}: {1}", peer, reason);
            try {
                socket.close(); // also unblocks the reader and any stuck writer
            } catch (IOException ignored) {
                // closing anyway
            }
            onClose.accept(this);
        }
    }
}
