package io.chordfs.node.http;

import java.time.Duration;

/**
 * The bounds of one {@link HttpHost}: what a client, slow or hostile, can make the server hold.
 * See docs/front-door.md for what one stalled connection costs.
 *
 * @param maxConnections           open connections; beyond, a new one is closed at accept
 * @param maxConnectionsPerAddress open connections from one client address, its share
 * @param maxHeadBytes             request line and headers; beyond: 431 and the connection closed
 * @param headTimeout              from a request's first byte to its last header; beyond: closed
 * @param idleTimeout              a connection with no request under way for this long is closed
 * @param bodyStall                a request body must move at least {@link #minBodyBytes} within every such
 *                                 period in which the server wanted to read it; otherwise it is cut off
 * @param minBodyBytes             see bodyStall
 * @param writeTimeout             an answer the client takes nothing of for this long is cut off
 * @param bodyBuffer               request body bytes one connection may hold before reading stops
 * @param bodyBudget               request body bytes all connections together may hold
 * @param answerBudget             answer bytes waiting for slow clients, all connections together
 * @param workers                  threads for the disk and for calls to peers (never waiting on a client)
 * @param maxQueuedRequests        requests waiting for a worker; beyond: 503
 */
public record HostLimits(int maxConnections, int maxConnectionsPerAddress, int maxHeadBytes, Duration headTimeout,
                         Duration idleTimeout, Duration bodyStall, long minBodyBytes, Duration writeTimeout,
                         int bodyBuffer, long bodyBudget, long answerBudget, int workers, int maxQueuedRequests) {
    public HostLimits {
        if (maxConnections < 1 || maxConnectionsPerAddress < 1 || maxHeadBytes < 1024 || minBodyBytes < 1
                || bodyBuffer < 64 * 1024 || bodyBudget < bodyBuffer || answerBudget < 1 || workers < 1
                || maxQueuedRequests < 1) {
            throw new IllegalArgumentException("bad HTTP limits");
        }
        for (Duration d : new Duration[] {headTimeout, idleTimeout, bodyStall, writeTimeout}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }
    }

    /**
     * 10,000 connections (2,500 an address), 64 KiB heads within 10 s, 30 s idle, bodies at least
     * 8 KiB every 20 s, answers stalled at most 60 s, 1 MiB a connection and 256 MiB in all for
     * bodies and again for answers, 32 workers with 1,024 requests waiting.
     */
    public static HostLimits defaults() {
        return new HostLimits(10_000, 2_500, 64 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(20), 8 * 1024, Duration.ofSeconds(60), 1 << 20, 256L << 20, 256L << 20, 32, 1024);
    }

    public HostLimits withConnections(int max, int perAddress) {
        return new HostLimits(max, perAddress, maxHeadBytes, headTimeout, idleTimeout, bodyStall, minBodyBytes,
                writeTimeout, bodyBuffer, bodyBudget, answerBudget, workers, maxQueuedRequests);
    }

    public HostLimits withMaxHeadBytes(int max) {
        return new HostLimits(maxConnections, maxConnectionsPerAddress, max, headTimeout, idleTimeout, bodyStall,
                minBodyBytes, writeTimeout, bodyBuffer, bodyBudget, answerBudget, workers, maxQueuedRequests);
    }

    public HostLimits withTimeouts(Duration head, Duration idle, Duration bodyStall, Duration write) {
        return new HostLimits(maxConnections, maxConnectionsPerAddress, maxHeadBytes, head, idle, bodyStall,
                minBodyBytes, write, bodyBuffer, bodyBudget, answerBudget, workers, maxQueuedRequests);
    }

    public HostLimits withBudgets(int bodyBuffer, long bodyBudget, long answerBudget) {
        return new HostLimits(maxConnections, maxConnectionsPerAddress, maxHeadBytes, headTimeout, idleTimeout,
                bodyStall, minBodyBytes, writeTimeout, bodyBuffer, bodyBudget, answerBudget, workers, maxQueuedRequests);
    }

    public HostLimits withWorkers(int workers, int maxQueuedRequests) {
        return new HostLimits(maxConnections, maxConnectionsPerAddress, maxHeadBytes, headTimeout, idleTimeout,
                bodyStall, minBodyBytes, writeTimeout, bodyBuffer, bodyBudget, answerBudget, workers, maxQueuedRequests);
    }
}
