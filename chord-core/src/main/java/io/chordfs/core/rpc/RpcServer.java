package io.chordfs.core.rpc;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An msgpack-rpc server on Netty event loops: a connection costs memory and no thread, whether it
 * is busy, idle or stalled. Bounds, all from {@link RpcLimits}: connections in all and per client
 * address (refused at accept beyond either), requests in flight per connection (then the
 * connection is not read), message size and nesting, unprocessed input held over all connections,
 * an idle timeout and a write timeout. A bad
 * message closes or answers only its own connection; see the package documentation for the rules.
 *
 * <p>By default the server runs on one event loop of its own; {@link #start(InetSocketAddress,
 * RpcHandler, RpcLimits, EventLoopGroup)} puts it on a group the caller owns (made by
 * {@link EventLoops#newGroup}), shared with other servers, which closing this server leaves running.
 */
public final class RpcServer implements AutoCloseable {
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(2);
    /**
     * Bytes of unprocessed input a connection may hold without drawing on maxBufferedBytes: every
     * Chord message fits many times over, so only large or trickling messages share the budget.
     */
    static final int FREE_BUFFERED_BYTES = 4096;

    /** Calls answered and, of those, answered with an error: plain counters, for a node's metrics. */
    public record Counts(LongAdder calls, LongAdder failures) {}

    private final Channel serverChannel;
    private final EventLoopGroup ownGroup;
    private final Admission admission;
    private final Counts counts;

    private RpcServer(Channel serverChannel, EventLoopGroup ownGroup, Admission admission, Counts counts) {
        this.serverChannel = serverChannel;
        this.ownGroup = ownGroup;
        this.admission = admission;
        this.counts = counts;
    }

    /** Binds {@code bind} (port 0 picks a free port, see {@link #address()}) on an event loop of its own. */
    public static RpcServer start(InetSocketAddress bind, RpcHandler handler, RpcLimits limits) throws IOException {
        EventLoopGroup own = EventLoops.newGroup(1, "rpc-server");
        try {
            return start(bind, handler, limits, own, own);
        } catch (IOException | RuntimeException e) {
            own.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * Binds {@code bind} and serves on {@code group}, which the caller owns and shuts down. The
     * handler is called on the group's event loops.
     */
    public static RpcServer start(InetSocketAddress bind, RpcHandler handler, RpcLimits limits, EventLoopGroup group)
            throws IOException {
        return start(bind, handler, limits, group, null);
    }

    private static RpcServer start(InetSocketAddress bind, RpcHandler handler, RpcLimits limits,
            EventLoopGroup group, EventLoopGroup own) throws IOException {
        Admission admission = new Admission(limits.maxConnections(), limits.maxConnectionsPerAddress(),
                new CutOffLog("rpc " + bind));
        Counts counts = new Counts(new LongAdder(), new LongAdder());
        AtomicLong buffered = new AtomicLong();
        ServerBootstrap b = EventLoops.server(group, admission)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Its writer-idle event is how ServerConnection notices an answer that stopped moving.
                        long writeTimeout = limits.writeTimeout().toMillis();
                        ch.pipeline().addLast(
                                new IdleStateHandler(true, 0, writeTimeout, 0, TimeUnit.MILLISECONDS),
                                new ServerConnection(handler, limits, buffered, counts));
                    }
                });
        return new RpcServer(EventLoops.bind(b, bind), own, admission, counts);
    }

    /** The address actually bound. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Calls answered so far, and failed ones. */
    public Counts counts() {
        return counts;
    }

    /** Connections open now. */
    public int connectionCount() {
        return admission.open();
    }

    /**
     * Stops accepting, closes every connection and, if the event loop is its own, stops it. Waits
     * (boundedly) for all that, except on one of the server's own event loops, where waiting
     * would block the very loop that does the closing.
     */
    @Override
    public void close() {
        boolean onOwnLoop = false;
        for (EventExecutor e : serverChannel.eventLoop().parent()) {
            onOwnLoop |= e.inEventLoop();
        }
        long wait = onOwnLoop ? 0 : SHUTDOWN_WAIT.toMillis();
        serverChannel.close().awaitUninterruptibly(wait);
        admission.closeAll(wait);
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly(wait);
        }
    }
}
