package io.chordfs.node.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts connections at accept, on the server channel's loop, before a connection is registered:
 * beyond the limit, or beyond an address's share, it is closed at once, so a flood from one
 * address leaves room for the others.
 */
@ChannelHandler.Sharable
final class Admission extends ChannelInboundHandlerAdapter {
    private final int max;
    private final int perAddress;
    private final CutOffLog log;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    // Guarded by this: accepts and closes happen on different event loops.
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private int open;

    Admission(int max, int perAddress, CutOffLog log) {
        this.max = max;
        this.perAddress = perAddress;
        this.log = log;
    }

    synchronized int open() {
        return open;
    }

    void closeAll() {
        connections.close().awaitUninterruptibly(2_000);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        InetSocketAddress remote = (InetSocketAddress) child.remoteAddress();
        String refusal = admit(remote.getAddress());
        if (refusal != null) {
            child.unsafe().closeForcibly();
            log.note(refusal, remote);
            return;
        }
        child.closeFuture().addListener(f -> release(remote.getAddress()));
        connections.add(child);
        ctx.fireChannelRead(child);
    }

    private synchronized String admit(InetAddress address) {
        if (open >= max) {
            return "refused at accept: " + max + " connections open, the limit";
        }
        int mine = byAddress.getOrDefault(address, 0);
        if (mine >= perAddress) {
            return "refused at accept: " + perAddress + " open from one address, its share";
        }
        byAddress.put(address, mine + 1);
        open++;
        return null;
    }

    private synchronized void release(InetAddress address) {
        open--;
        byAddress.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
    }
}
