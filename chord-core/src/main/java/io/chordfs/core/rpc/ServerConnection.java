package io.chordfs.core.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.msgpack.core.MessagePack;

/**
 * One accepted connection, on its event loop. Bytes are kept until {@link FrameScanner} sees a
 * whole message, which is decoded and dispatched at once (pipelining); answers are written as
 * their futures complete, in completion order. Its state is touched on the event loop only: an
 * answer whose future completes on another thread is encoded there and handed to the loop.
 *
 * <p>Backpressure: a request counts as in flight from its dispatch until its answer is handed to
 * the channel. While {@code maxInFlightPerConnection} are in flight, or the peer does not take
 * its answers (Netty's outbound buffer above its high-water mark), no further message is
 * dispatched and the connection is not read; what stays buffered is at most one read's worth.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());
    private static final long LINGER_MILLIS = 1000;

    private final RpcHandler handler;
    private final RpcLimits limits;
    private final FrameScanner scanner;
    /** The server's count of input bytes held beyond each connection's free allowance. */
    private final AtomicLong buffered;
    /** This connection's share of {@link #buffered}. */
    private long charged;
    private ChannelHandlerContext ctx;
    private String peer;
    /** Bytes received and not yet taken as messages; null when there are none. */
    private ByteBuf received;
    private int inFlight;
    private boolean reading;
    private boolean processing;
    private boolean flushPending;
    private boolean closed;
    private long lastActivityNanos;
    private ScheduledFuture<?> idleCheck;

    private final RpcServer.Counts counts;

    ServerConnection(RpcHandler handler, RpcLimits limits, AtomicLong buffered, RpcServer.Counts counts) {
        this.handler = handler;
        this.counts = counts;
        this.limits = limits;
        this.buffered = buffered;
        this.scanner = new FrameScanner(limits);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.peer = String.valueOf(ctx.channel().remoteAddress());
        lastActivityNanos = System.nanoTime();
        scheduleIdleCheck(limits.idleTimeout().toNanos());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (closed) {
            in.release();
            return;
        }
        reading = true;
        append(in);
        process();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        flushIfPending();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        process(); // the peer took its answers: go on with what is buffered, then read again
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent e && e.state() == IdleState.WRITER_IDLE) {
            // Fired when no answer has moved for writeTimeout; only stuck if answers are waiting.
            ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
            if (out != null && out.totalPendingWriteBytes() > 0) {
                close("write stuck for more than " + limits.writeTimeout(), Level.INFO);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            close("I/O error: " + cause, Level.DEBUG);
        } else {
            LOG.log(Level.WARNING, "rpc: connection from " + peer + " failed", cause);
            close("internal error: " + cause, Level.WARNING);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closed) {
            if (scanner.inMessage() || (received != null && received.isReadable())) {
                close("protocol error: end of stream inside a message", Level.INFO);
            } else {
                close("peer closed the connection", Level.DEBUG);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseReceived();
    }

    private void append(ByteBuf in) {
        if (received == null) {
            received = in;
            return;
        }
        if (received.writableBytes() < in.readableBytes() || received.refCnt() > 1 || received.isReadOnly()) {
            ByteBuf merged = ctx.alloc().buffer(received.readableBytes() + in.readableBytes());
            merged.writeBytes(received);
            received.release();
            received = merged;
        }
        received.writeBytes(in);
        in.release();
    }

    /** Dispatches every whole message buffered, as far as the window and the peer's reading allow. */
    private void process() {
        if (processing || closed) {
            return;
        }
        processing = true;
        try {
            Channel ch = ctx.channel();
            while (!closed && received != null && inFlight < limits.maxInFlightPerConnection() && ch.isWritable()) {
                int length = scanner.scan(received);
                if (length < 0) {
                    break;
                }
                Object message = decode(length);
                received.skipBytes(length);
                if (!received.isReadable()) {
                    releaseReceived();
                }
                lastActivityNanos = System.nanoTime();
                onMessage(message);
            }
            if (received != null) {
                received.discardSomeReadBytes();
            }
            chargeBuffered();
            if (!closed) {
                ch.config().setAutoRead(inFlight < limits.maxInFlightPerConnection() && ch.isWritable());
            }
        } catch (RpcFormatException e) {
            closeAfterError("protocol error: " + e.getMessage());
        } catch (IOException e) {
            closeAfterError("protocol error: " + e); // not reached: the bytes are all in memory
        } finally {
            processing = false;
        }
        if (!reading) {
            flushIfPending();
        }
    }

    /**
     * The message of {@code length} bytes at the reader index. Off-heap bytes are copied out first:
     * msgpack-core reads direct buffers through JDK internals that Java 17 does not open to it.
     */
    private Object decode(int length) throws IOException {
        int at = received.readerIndex();
        if (received.hasArray()) {
            return MsgpackValues.read(MessagePack.newDefaultUnpacker(
                    received.array(), received.arrayOffset() + at, length), limits);
        }
        byte[] bytes = new byte[length];
        received.getBytes(at, bytes);
        return MsgpackValues.read(MessagePack.newDefaultUnpacker(bytes), limits);
    }

    private void onMessage(Object message) throws RpcFormatException {
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

    private void onRequest(List<?> m) throws RpcFormatException {
        Object msgid = m.size() > 1 ? m.get(1) : null;
        if (!(msgid instanceof Long id && id >= 0) && !(msgid instanceof BigInteger)) {
            throw new RpcFormatException("request without a valid msgid: " + msgid);
        }
        inFlight++;
        if (m.size() != 3 && m.size() != 4) {
            answer(msgid, "?", "bad request: expected [0, msgid, method, params]", null);
            return;
        }
        String method;
        List<Object> params;
        try {
            method = MsgpackValues.asString(m.get(2));
            params = params(m.size() == 4 ? m.get(3) : null);
        } catch (IllegalArgumentException e) {
            answer(msgid, "?", "bad request: " + e.getMessage(), null);
            return;
        }
        dispatch(method, params, false).whenComplete((result, failure) -> completed(msgid, method, result, failure));
    }

    private void onNotification(List<?> m) throws RpcFormatException {
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
        inFlight++;
        dispatch(method, params, true).whenComplete((result, failure) -> {
            if (failure != null) {
                LOG.log(Level.DEBUG, "rpc: notification {0} from {1} failed: {2}", method, peer, failure);
            }
            onLoop(this::notificationDone);
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

    private CompletableFuture<Object> dispatch(String method, List<Object> params, boolean notification) {
        try {
            CompletableFuture<Object> f = notification
                    ? handler.notification(method, params) : handler.handle(method, params);
            return f != null ? f : CompletableFuture.failedFuture(new IllegalStateException("handler returned null"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A handler's future completed, on whatever thread completed it. */
    private void completed(Object msgid, String method, Object result, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        counts.calls().increment();
        if (cause != null) {
            counts.failures().increment();
        }
        if (cause == null) {
            answer(msgid, method, null, result);
        } else if (cause instanceof RpcError e) {
            answer(msgid, method, e.error(), null);
        } else {
            LOG.log(Level.WARNING, "rpc: handler for " + method + " failed", cause);
            answer(msgid, method, "internal error in '" + method + "'", null);
        }
    }

    /** Encodes on the calling thread, writes on the event loop. */
    private void answer(Object msgid, String method, Object error, Object result) {
        byte[] frame;
        try {
            frame = RpcMessages.response(msgid, error, result);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "rpc: cannot encode the answer to {0}: {1}", method, e.getMessage());
            frame = RpcMessages.response(msgid, "internal error in '" + method + "'", null);
        }
        byte[] encoded = frame;
        onLoop(() -> write(encoded));
    }

    private void onLoop(Runnable r) {
        if (ctx.executor().inEventLoop()) {
            r.run();
            return;
        }
        try {
            ctx.executor().execute(r);
        } catch (RejectedExecutionException e) {
            // the event loop is shutting down, and this connection with it
        }
    }

    private void write(byte[] frame) {
        inFlight--;
        if (closed) {
            return;
        }
        ctx.write(Unpooled.wrappedBuffer(frame), ctx.voidPromise());
        flushPending = true;
        lastActivityNanos = System.nanoTime();
        process(); // a slot is free: buffered messages may go on; flushes unless a read is under way
    }

    private void notificationDone() {
        inFlight--;
        process();
    }

    private void flushIfPending() {
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
    }

    private void scheduleIdleCheck(long delayNanos) {
        idleCheck = ctx.executor().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Closes a connection with nothing in flight and no message either way for idleTimeout. */
    private void checkIdle() {
        if (closed) {
            return;
        }
        long idle = limits.idleTimeout().toNanos();
        long quiet = System.nanoTime() - lastActivityNanos;
        if (inFlight == 0 && quiet >= idle) {
            close("idle for more than " + limits.idleTimeout(), Level.DEBUG);
        } else {
            scheduleIdleCheck(inFlight == 0 ? idle - quiet : idle);
        }
    }

    private void close(String reason, Level level) {
        close(reason, level, true);
    }

    private void close(String reason, Level level, boolean now) {
        if (closed) {
            return;
        }
        closed = true;
        LOG.log(level, "rpc: closed connection from {0}: {1}", peer, reason);
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        releaseReceived();
        if (now) {
            ctx.close();
        }
    }

    /**
     * Closes after a protocol error as a lingering close: our side ends at once, and what the peer
     * still sends is read and dropped until it closes too, for at most {@link #LINGER_MILLIS}.
     * Closing with unread bytes would make the kernel answer with a reset, and the peer would see
     * a connection error instead of the end of the stream.
     */
    private void closeAfterError(String reason) {
        if (!(ctx.channel() instanceof DuplexChannel ch) || closed) {
            close(reason, Level.INFO);
            return;
        }
        close(reason, Level.INFO, false);
        ch.config().setAutoRead(true);
        ch.shutdownOutput();
        ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Accounts the bytes held beyond the free allowance against the server's maxBufferedBytes;
     * closes this connection when they do not fit, so many slow large messages cannot exhaust
     * memory together.
     */
    private void chargeBuffered() {
        long held = received == null ? 0 : received.readableBytes();
        long want = Math.max(0, held - RpcServer.FREE_BUFFERED_BYTES);
        long more = want - charged;
        if (more > 0 && buffered.addAndGet(more) > limits.maxBufferedBytes()) {
            buffered.addAndGet(-more);
            close("the server holds " + limits.maxBufferedBytes() + " bytes of unprocessed input, its limit",
                    Level.INFO);
            return;
        }
        if (more < 0) {
            buffered.addAndGet(more);
        }
        charged = want;
    }

    private void releaseReceived() {
        if (received != null) {
            received.release();
            received = null;
        }
        buffered.addAndGet(-charged);
        charged = 0;
    }
}
