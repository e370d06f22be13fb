/**
 * msgpack-rpc over TCP, wire-compatible with the C++ rpclib nodes and Python msgpack-rpc-python
 * clients (DESIGN.md section 1).
 *
 * <p>Messages are concatenated msgpack values: request {@code [0, msgid, method, params]},
 * response {@code [1, msgid, error, result]}, notification {@code [2, method, params]}. Values are
 * plain Java objects, see {@link io.chordfs.core.rpc.MsgpackValues}.
 *
 * <p>How {@link io.chordfs.core.rpc.RpcServer} treats what it reads, per message:
 * <ul>
 *   <li>a request is dispatched at once, without waiting for earlier answers; answers go out in
 *       completion order, the msgid echoed as the unsigned value received. Missing or nil params
 *       mean none; the method may be msgpack str or bin;
 *   <li>a request with a usable msgid (a non-negative integer) but a wrong shape (length not 3
 *       or 4, method not a string, params not an array) gets an error answer starting with
 *       {@code "bad request"}, and the connection stays;
 *   <li>a notification is dispatched and its result dropped;
 *   <li>a response is ignored: the server sends no requests, so none can be its own, and a peer
 *       that sends one anyway is not otherwise harmed by it;
 *   <li>everything else closes that connection only, with one INFO log line naming the peer and
 *       the reason: malformed msgpack, ext types, end of stream inside a message, a message over
 *       {@code maxFrameBytes} or deeper than {@code maxDepth}, a message that is not an array
 *       starting with a known type, a request without a usable msgid, a malformed notification.
 *       The close lingers: what the peer still sends is read and dropped (at most a second), so
 *       it sees the end of the stream rather than a reset.
 * </ul>
 *
 * <p>Threads: the server runs on Netty event loops (one of its own by default); the handler is
 * called on the connection's event loop and must return quickly. Client futures complete on the
 * client's threads, so their callbacks must not block.
 */
package io.chordfs.core.rpc;
