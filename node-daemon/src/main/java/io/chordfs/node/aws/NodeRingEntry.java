package io.chordfs.node.aws;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;
import io.chordfs.node.daemon.NodeDaemon;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/** {@link RingEntry} for a real {@link NodeDaemon}: probes with chord-core's RPC client. */
public final class NodeRingEntry implements RingEntry, AutoCloseable {
    private final NodeDaemon node;
    private final RpcClient rpc = new RpcClient(RpcLimits.defaults());
    private final Duration probeTimeout;
    private final long joinTimeoutMs;

    public NodeRingEntry(NodeDaemon node, Duration probeTimeout, long joinTimeoutMs) {
        this.node = node;
        this.probeTimeout = probeTimeout;
        this.joinTimeoutMs = joinTimeoutMs;
    }

    @Override
    public boolean answers(InetSocketAddress peer) {
        try {
            rpc.callSync(peer, ChordNode.GET_INFO, List.of(), probeTimeout);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void join(InetSocketAddress peer) throws IOException {
        node.join(peer, joinTimeoutMs);
    }

    @Override
    public void create() {
        node.createRing();
    }

    @Override
    public void close() {
        rpc.close();
    }
}
