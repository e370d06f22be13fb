package io.chordfs.core.rpc;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(2);
    /**
     * Bytes of unprocessed input a connection may hold without drawing on maxBufferedBytes: every
     * Chord message fits many times over, so only large or trickling messages share the budget.
     */
    static final int FREE_BUFFERED_BYTES = 4096;
    /** A refused connection is logged at most this often, with the count since the last line. */
    private static final long REFUSAL_LOG_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Channel serverChannel;
    private final EventLoopGroup ownGroup;
    private final ChannelGroup connections;
    private final Admission admission;

    private RpcServer(Channel serverChannel, EventLoopGroup ownGroup, ChannelGroup connections, Admission admission) {
        this.serverChannel = serverChannel;
        this.ownGroup = ownGroup;
        this.connections = connections;
        this.admission = admission;
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
        ChannelGroup connections = new DefaultChannelGroup("rpc", GlobalEventExecutor.INSTANCE);
        Admission admission = new Admission(limits, connections);
        AtomicLong buffered = new AtomicLong();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EventLoops.serverChannel(group))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(admission)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Its writer-idle event is how ServerConnection notices an answer that stopped moving.
                        long writeTimeout = limits.writeTimeout().toMillis();
                        ch.pipeline().addLast(
                                new IdleStateHandler(true, 0, writeTimeout, 0, TimeUnit.MILLISECONDS),
                                new ServerConnection(handler, limits, buffered));
                    }
                });
        ChannelFuture bound = b.bind(bind).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            if (cause instanceof IOException e) {
                throw e;
            }
            throw new IOException("cannot bind " + bind + ": " + cause, cause);
        }
        return new RpcServer(bound.channel(), own, connections, admission);
    }

    /** The address actually bound. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
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
        connections.close().awaitUninterruptibly(wait);
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly(wait);
        }
    }

    /**
     * Counts connections at accept, on the server channel's loop, before a connection is
     * registered: beyond maxConnections, or beyond maxConnectionsPerAddress from one client
     * address, it is closed at once, so a flood from one address leaves room for the others.
     */
    private static final class Admission extends ChannelInboundHandlerAdapter {
        private final RpcLimits limits;
        private final ChannelGroup connections;
        // Guarded by this: accepts and closes happen on different event loops.
        private final Map<InetAddress, Integer> perAddress = new HashMap<>();
        private int open;
        private long refusedSinceLog;
        private long lastRefusalLog = System.nanoTime() - REFUSAL_LOG_NANOS;

        Admission(RpcLimits limits, ChannelGroup connections) {
            this.limits = limits;
            this.connections = connections;
        }

        synchronized int open() {
            return open;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            if (!(child.remoteAddress() instanceof InetSocketAddress remote)) {
                child.unsafe().closeForcibly(); // gone already (NIO reports no peer for a reset socket)
                return;
            }
            InetAddress address = remote.getAddress();
            String refusal = admit(address);
            if (refusal != null) {
                child.unsafe().closeForcibly();
                logRefusal(child, refusal);
                return;
            }
            child.closeFuture().addListener(f -> release(address));
            connections.add(child);
            ctx.fireChannelRead(child);
        }

        private synchronized String admit(InetAddress address) {
            if (open >= limits.maxConnections()) {
                return open + " connections open, the limit";
            }
            int mine = perAddress.getOrDefault(address, 0);
            if (mine >= limits.maxConnectionsPerAddress()) {
                return mine + " connections open from that address, its share";
            }
            perAddress.put(address, mine + 1);
            open++;
            return null;
        }

        private synchronized void release(InetAddress address) {
            open--;
            perAddress.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
        }

        private void logRefusal(Channel child, String why) {
            long now = System.nanoTime();
            long refused;
            synchronized (this) {
                refusedSinceLog++;
                if (now - lastRefusalLog < REFUSAL_LOG_NANOS) {
                    return;
                }
                lastRefusalLog = now;
                refused = refusedSinceLog;
                refusedSinceLog = 0;
            }
            LOG.log(Level.WARNING, "rpc: refused connection from {0}: {1} ({2} refused since the last such line)",
                    child.remoteAddress(), why, refused);
        }

    }
}
