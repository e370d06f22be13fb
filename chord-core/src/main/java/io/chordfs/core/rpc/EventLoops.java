package io.chordfs.core.rpc;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

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

    /** The server channel type that runs on {@code group}'s transport. */
    public static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup g && g.isIoType(EpollIoHandler.class)
                ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
