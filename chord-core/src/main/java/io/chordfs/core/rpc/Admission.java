package io.chordfs.core.rpc;

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
 * A server channel's handler that counts connections at accept, before one is registered: beyond
 * the limit, or beyond an address's share, it is closed at once, so a flood from one address
 * leaves room for the others. Every server of a node (RPC, file, transfer) admits through one.
 */
@ChannelHandler.Sharable
public final class Admission extends ChannelInboundHandlerAdapter {
    private final int max;
    private final int perAddress;
    private final CutOffLog log;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    // Guarded by this: accepts and closes happen on different event loops.
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private int open;

    public Admission(int max, int perAddress, CutOffLog log) {
        this.max = max;
        this.perAddress = perAddress;
        this.log = log;
    }

    /** Connections admitted and still open. */
    public synchronized int open() {
        return open;
    }

    /** Closes every admitted connection, waiting at most {@code waitMillis} (0: not at all). */
    public void closeAll(long waitMillis) {
        connections.close().awaitUninterruptibly(waitMillis);
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
            log.note(refusal, remote);
            return;
        }
        child.closeFuture().addListener(f -> release(address));
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
