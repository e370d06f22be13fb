package io.chordfs.core.chord;

import io.chordfs.core.ring.NodeRef;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How a {@link ChordNode} reaches its peers. The node never touches sockets; the host decides
 * what a call is (msgpack-rpc over TCP, or a message in a simulated network).
 *
 * <p>The returned future must be completed on the node's own thread of control: the node is
 * single-threaded and keeps no locks. A failure is either {@link io.chordfs.core.rpc.RpcError}
 * (the peer answered with an error) or anything else (the peer is unreachable or timed out).
 */
@FunctionalInterface
public interface Transport {
    CompletableFuture<Object> call(NodeRef peer, String method, List<Object> params);
}
