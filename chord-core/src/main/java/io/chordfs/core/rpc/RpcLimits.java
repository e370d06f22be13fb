package io.chordfs.core.rpc;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on what the RPC transport accepts and how long it waits. Server and client read the
 * fields that concern them; {@link #defaults()} suits a node on the open network.
 *
 * @param maxFrameBytes longest message decoded, in bytes
 * @param maxDepth deepest nesting of arrays and maps in one message (the message itself is depth 1)
 * @param maxConnections server: connections served at once; more are closed at once
 * @param maxConnectionsPerAddress server: connections from one client address served at once;
 *     more from that address are closed at once, so one address cannot take them all
 * @param maxInFlightPerConnection server: requests dispatched and not yet answered on one
 *     connection; at the limit the server stops reading that connection until one is answered
 * @param maxBufferedBytes server: bytes received and not yet taken as messages, over all connections,
 *     beyond the first {@value RpcServer#FREE_BUFFERED_BYTES} of each; a connection that needs more
 *     (a large message arriving slowly while many others do the same) is closed
 * @param idleTimeout server: a connection with nothing in flight and no message for this long is closed
 * @param writeTimeout a connection whose write has been stuck this long is closed
 * @param connectTimeout client: TCP connect
 * @param callTimeout client: default time a call may take, connect included
 * @param connectionsPerPeer client: pooled connections to one peer
 * @param maxPooledConnections client: pooled connections in all
 * @param poolIdleTimeout client: a pooled connection unused this long is closed
 */
public record RpcLimits(
        int maxFrameBytes,
        int maxDepth,
        int maxConnections,
        int maxConnectionsPerAddress,
        int maxInFlightPerConnection,
        long maxBufferedBytes,
        Duration idleTimeout,
        Duration writeTimeout,
        Duration connectTimeout,
        Duration callTimeout,
        int connectionsPerPeer,
        int maxPooledConnections,
        Duration poolIdleTimeout) {

    public RpcLimits {
        positive(maxFrameBytes, "maxFrameBytes");
        positive(maxDepth, "maxDepth");
        positive(maxConnections, "maxConnections");
        positive(maxConnectionsPerAddress, "maxConnectionsPerAddress");
        positive(maxInFlightPerConnection, "maxInFlightPerConnection");
        positive(maxBufferedBytes, "maxBufferedBytes");
        positive(idleTimeout, "idleTimeout");
        positive(writeTimeout, "writeTimeout");
        positive(connectTimeout, "connectTimeout");
        positive(callTimeout, "callTimeout");
        positive(connectionsPerPeer, "connectionsPerPeer");
        positive(maxPooledConnections, "maxPooledConnections");
        positive(poolIdleTimeout, "poolIdleTimeout");
    }

    public static RpcLimits defaults() {
        return new RpcLimits(1 << 20, 16, 10_000, 1_000, 256, 64L << 20,
                Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(5),
                2, 512, Duration.ofSeconds(60));
    }

    public RpcLimits withMaxFrameBytes(int v) {
        return new RpcLimits(v, maxDepth, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, writeTimeout, connectTimeout,
                callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxDepth(int v) {
        return new RpcLimits(maxFrameBytes, v, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, writeTimeout, connectTimeout,
                callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxConnections(int v) {
        return new RpcLimits(maxFrameBytes, maxDepth, v, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, writeTimeout, connectTimeout,
                callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxConnectionsPerAddress(int v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, v,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, writeTimeout, connectTimeout,
                callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxInFlightPerConnection(int v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxConnectionsPerAddress,
                v, maxBufferedBytes, idleTimeout, writeTimeout, connectTimeout,
                callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxBufferedBytes(long v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, v, idleTimeout, writeTimeout, connectTimeout,
                callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withIdleTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, v, writeTimeout, connectTimeout,
                callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withWriteTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, v, connectTimeout,
                callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withConnectTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, writeTimeout, v,
                callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withCallTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, writeTimeout, connectTimeout,
                v, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withConnectionsPerPeer(int v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, writeTimeout, connectTimeout,
                callTimeout, v, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxPooledConnections(int v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, writeTimeout, connectTimeout,
                callTimeout, connectionsPerPeer, v, poolIdleTimeout);
    }

    public RpcLimits withPoolIdleTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxConnectionsPerAddress,
                maxInFlightPerConnection, maxBufferedBytes, idleTimeout, writeTimeout, connectTimeout,
                callTimeout, connectionsPerPeer, maxPooledConnections, v);
    }

    private static void positive(long v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + v);
        }
    }

    private static void positive(Duration v, String name) {
        Objects.requireNonNull(v, name);
        if (v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + v);
        }
    }
}
