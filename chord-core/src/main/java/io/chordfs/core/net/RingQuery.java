package io.chordfs.core.net;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcError;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Asks running nodes about their ring from outside it, as a client or an operator's tool does
 * (fs-client, deploy's status): one blocking call at a time, each bounded by a timeout, and
 * every failure an {@link IOException} whose message names the node, ready to print as one line.
 */
public final class RingQuery {
    /** Bounds a walk through a ring whose successor pointers never lead back to the start. */
    private static final int MAX_MEMBERS = 100_000;

    private final RpcClient rpc;
    private final Duration timeout;

    /** @param timeout for each call, connecting included (the client's connect timeout also applies) */
    public RingQuery(RpcClient rpc, Duration timeout) {
        this.rpc = Objects.requireNonNull(rpc, "rpc");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** The node that answers {@code method} at {@code at}. */
    public NodeRef node(InetSocketAddress at, String method, List<?> params) throws IOException {
        String where = at.getHostString() + ":" + at.getPort();
        try {
            return Wire.parseNode("answer", rpc.callSync(at, method, params, timeout));
        } catch (TimeoutException e) {
            throw new IOException("node " + where + " did not answer " + method, e);
        } catch (RpcError e) {
            throw new IOException("node " + where + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException("cannot reach node " + where + " (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while asking node " + where);
        }
    }

    /**
     * The members of the ring the node at {@code entry} is in, in successor order from it: its
     * {@code get_info}, then each member's {@code get_successor} until the walk is back at a
     * member already seen. Fails at the first member that does not answer.
     */
    public List<NodeRef> members(InetSocketAddress entry) throws IOException {
        List<NodeRef> out = new ArrayList<>();
        Set<NodeRef> seen = new HashSet<>();
        NodeRef at = node(entry, ChordNode.GET_INFO, List.of());
        while (seen.add(at) && out.size() < MAX_MEMBERS) {
            out.add(at);
            at = node(at.address(), ChordNode.GET_SUCCESSOR, List.of());
        }
        return out;
    }
}
