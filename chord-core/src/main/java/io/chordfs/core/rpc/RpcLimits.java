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
 * @param maxInFlightPerConnection server: requests dispatched and not yet answered on one
 *     connection; at the limit the server stops reading that connection until one is answered
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
        int maxInFlightPerConnection,
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
        positive(maxInFlightPerConnection, "maxInFlightPerConnection");
        positive(idleTimeout, "idleTimeout");
        positive(writeTimeout, "writeTimeout");
        positive(connectTimeout, "connectTimeout");
        positive(callTimeout, "callTimeout");
        positive(connectionsPerPeer, "connectionsPerPeer");
        positive(maxPooledConnections, "maxPooledConnections");
        positive(poolIdleTimeout, "poolIdleTimeout");
    }

    public static RpcLimits defaults() {
        return new RpcLimits(1 << 20, 16, 256, 256,
                Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(5),
                2, 512, Duration.ofSeconds(60));
    }

    public RpcLimits withMaxFrameBytes(int v) {
        return new RpcLimits(v, maxDepth, maxConnections, maxInFlightPerConnection, idleTimeout, writeTimeout,
                connectTimeout, callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxDepth(int v) {
        return new RpcLimits(maxFrameBytes, v, maxConnections, maxInFlightPerConnection, idleTimeout, writeTimeout,
                connectTimeout, callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxConnections(int v) {
        return new RpcLimits(maxFrameBytes, maxDepth, v, maxInFlightPerConnection, idleTimeout, writeTimeout,
                connectTimeout, callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxInFlightPerConnection(int v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, v, idleTimeout, writeTimeout,
                connectTimeout, callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withIdleTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxInFlightPerConnection, v, writeTimeout,
                connectTimeout, callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withWriteTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxInFlightPerConnection, idleTimeout, v,
                connectTimeout, callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withConnectTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxInFlightPerConnection, idleTimeout,
                writeTimeout, v, callTimeout, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withCallTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxInFlightPerConnection, idleTimeout,
                writeTimeout, connectTimeout, v, connectionsPerPeer, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withConnectionsPerPeer(int v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxInFlightPerConnection, idleTimeout,
                writeTimeout, connectTimeout, callTimeout, v, maxPooledConnections, poolIdleTimeout);
    }

    public RpcLimits withMaxPooledConnections(int v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxInFlightPerConnection, idleTimeout,
                writeTimeout, connectTimeout, callTimeout, connectionsPerPeer, v, poolIdleTimeout);
    }

    public RpcLimits withPoolIdleTimeout(Duration v) {
        return new RpcLimits(maxFrameBytes, maxDepth, maxConnections, maxInFlightPerConnection, idleTimeout,
                writeTimeout, connectTimeout, callTimeout, connectionsPerPeer, maxPooledConnections, v);
    }

    private static void positive(int v, String name) {
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
