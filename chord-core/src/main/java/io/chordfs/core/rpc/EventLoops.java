package io.chordfs.core.rpc;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Netty event loops for the servers: the native epoll transport where its library loads (Linux
 * x86-64), NIO elsewhere. A group made here can be shared by several servers.
 */
public final class EventLoops {
    private EventLoops() {}

    /** A group of {@code threads} event loops on daemon threads named {@code name-N}. */
    public static IoEventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, RpcThreads.daemon(name),
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /**
     * A server on {@code group}'s transport with what every server of a node shares: connections
     * counted at accept by {@code admission}, a deep accept queue, no Nagle delay. The caller adds
     * its own child options and handler.
     */
    public static ServerBootstrap server(EventLoopGroup group, Admission admission) {
        return new ServerBootstrap()
                .group(group)
                .channel(serverChannel(group))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(admission)
                .childOption(ChannelOption.TCP_NODELAY, true);
    }

    /** Binds {@code b} to {@code address} and waits; a failure is an IOException naming the address. */
    public static Channel bind(ServerBootstrap b, InetSocketAddress address) throws IOException {
        ChannelFuture bound = b.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw cause instanceof IOException e ? e : new IOException("cannot bind " + address + ": " + cause, cause);
        }
        return bound.channel();
    }

    /** The server channel type that runs on {@code group}'s transport. */
    private static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup g && g.isIoType(EpollIoHandler.class)
                ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
