package io.chordfs.core.rpc;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Serves the requests and notifications an {@link RpcServer} receives. Called on the
 * connection's event loop, which serves many other connections, so it must return quickly and
 * never block; the work itself may complete the future later on any thread.
 */
@FunctionalInterface
public interface RpcHandler {
    /**
     * @param method the method name (sent as msgpack str or bin)
     * @param params the decoded arguments (see {@link MsgpackValues}); empty when the peer sent none
     * @return the result to answer with; complete it exceptionally with {@link RpcError} to answer
     *     with that error (throwing one works too). Any other exception, or a null future, answers
     *     {@code "internal error in '<method>'"} and is logged as a bug; the server keeps serving.
     */
    CompletableFuture<Object> handle(String method, List<Object> params);

    /** A notification ({@code [2, method, params]}): nobody reads the result. By default as {@link #handle}. */
    default CompletableFuture<Object> notification(String method, List<Object> params) {
        return handle(method, params);
    }
}
