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
import io.netty.channel.unix.Errors;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.UnresolvedAddressException;

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

    /**
     * Binds {@code b} to {@code address} and waits; a failure is a BindException naming the
     * address and the operating system's reason, "cannot bind 127.0.0.1:5058: Address already in use".
     */
    public static Channel bind(ServerBootstrap b, InetSocketAddress address) throws IOException {
        ChannelFuture bound = b.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            BindException e = new BindException("cannot bind " + address.getHostString() + ":" + address.getPort()
                    + ": " + reason(bound.cause()));
            e.initCause(bound.cause());
            throw e;
        }
        return bound.channel();
    }

    /** The OS's words: the epoll transport's message wraps them, "bind(..) failed with error(-98): Address already in use". */
    private static String reason(Throwable cause) {
        if (cause instanceof UnresolvedAddressException) {
            return "unknown host";
        }
        String m = cause.getMessage();
        if (m == null) {
            return cause.toString();
        }
        int wrapped = m.indexOf("): ");
        return cause instanceof Errors.NativeIoException && wrapped >= 0 ? m.substring(wrapped + 3) : m;
    }

    /** The server channel type that runs on {@code group}'s transport. */
    private static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup g && g.isIoType(EpollIoHandler.class)
                ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
