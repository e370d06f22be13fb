package io.chordfs.core.net;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordListener;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Clock;
import io.chordfs.core.chord.Transport;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.EventLoops;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcHandler;
import io.chordfs.core.rpc.RpcLimits;
import io.chordfs.core.rpc.RpcServer;

import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link ChordNode} on real sockets: msgpack-rpc server and client, the system clock, and one
 * event loop that runs every step of the node, so the node itself needs no locks. The RPC port's
 * connections live on that same loop (idle ones cost memory, not a thread).
 */
public final class ChordService implements AutoCloseable {
    /** Lookups are forwarded hop by hop, so the first hop waits longer than a plain call. */
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(8);
    private static final System.Logger LOG = System.getLogger(ChordService.class.getName());

    /**
     * Where and how a node runs.
     *
     * @param bindIp     the address to listen on
     * @param announceIp the address peers are told ({@code [ip, port, id]}) and the default id is
     *                   derived from; differs from bindIp only when peers reach the node through an
     *                   address translation (EC2's public IPv4 is on no interface) or it listens on
     *                   a wildcard address. The port is announced as bound: such translations keep it.
     * @param port       the RPC port; 0 picks a free one (tests)
     * @param id         the node id, or null for key("announceIp:port")
     */
    public record Options(String bindIp, String announceIp, int port, Long id, ChordConfig chord, RpcLimits limits) {
        public Options {
            Objects.requireNonNull(bindIp, "bindIp");
            Objects.requireNonNull(announceIp, "announceIp");
            Objects.requireNonNull(chord, "chord");
            Objects.requireNonNull(limits, "limits");
        }

        /** Listens on {@code ip} and announces it. */
        public static Options of(String ip, int port) {
            return new Options(ip, ip, port, null, ChordConfig.defaults(), RpcLimits.defaults());
        }

        public Options withChord(ChordConfig c) {
            return new Options(bindIp, announceIp, port, id, c, limits);
        }

        public Options withId(long nodeId) {
            return new Options(bindIp, announceIp, port, nodeId, chord, limits);
        }

        public Options withAnnounceIp(String ip) {
            return new Options(bindIp, ip, port, id, chord, limits);
        }
    }

    private final IoEventLoopGroup loopGroup;
    private final EventLoop loop;
    private final RpcClient client;
    private final RpcServer server;
    private final ChordNode node;
    private volatile ChordListener listener = ChordListener.NONE;

    private ChordService(Options options) throws IOException {
        loopGroup = EventLoops.newGroup(1, "chord-loop-" + options.announceIp() + ":" + options.port());
        loop = loopGroup.next();
        client = new RpcClient(options.limits());
        // The port is known only once bound, and the id may derive from it, so the node is made
        // after the server; the handler defers to it through a holder until then.
        ChordNode[] holder = new ChordNode[1];
        try {
            RpcHandler handler = new RpcHandler() {
                @Override
                public CompletableFuture<Object> handle(String method, List<Object> params) {
                    return holder[0].handle(method, params);
                }

                @Override
                public CompletableFuture<Object> notification(String method, List<Object> params) {
                    return holder[0].handleNotification(method, params);
                }
            };
            // The server runs on the node's own loop, so the handler is called on it: a request is
            // read, handled and answered on one thread, with no hand-off (see docs/performance.md).
            server = RpcServer.start(new InetSocketAddress(options.bindIp(), options.port()), handler,
                    options.limits(), loopGroup);
        } catch (IOException | RuntimeException e) {
            client.close();
            loopGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        int port = server.address().getPort();
        long id = options.id() != null ? options.id() : Keys.nodeId(options.announceIp(), port);
        NodeRef self = new NodeRef(options.announceIp(), port, id);
        Transport transport = this::call;
        node = new ChordNode(self, options.chord(), transport, Clock.system());
        node.setListener(new ChordListener() {
            @Override
            public void successorsChanged(List<NodeRef> successors) {
                listener.successorsChanged(successors);
            }

            @Override
            public void predecessorChanged(NodeRef predecessor) {
                listener.predecessorChanged(predecessor);
            }

            @Override
            public void killed() {
                listener.killed();
            }
        });
        holder[0] = node;
        long tick = Math.max(10, Math.min(options.chord().stabilizeMillis(), options.chord().fixFingersMillis()) / 4);
        loop.scheduleWithFixedDelay(this::tickSafely, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Binds the RPC port and starts the node's event loop; the node is in no ring yet. */
    public static ChordService start(Options options) throws IOException {
        return new ChordService(options);
    }

    public NodeRef self() {
        return node.self();
    }

    /** The node, for reading its state from any thread (its getters are safe snapshots). */
    /** The Chord port's calls answered so far, and failed ones. */
    public RpcServer.Counts rpcCounts() {
        return server.counts();
    }

    public ChordNode node() {
        return node;
    }

    public RpcClient client() {
        return client;
    }

    public void setListener(ChordListener l) {
        listener = Objects.requireNonNull(l);
    }

    public CompletableFuture<Void> create() {
        return onLoop(() -> {
            node.create();
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Joins the ring of the node at {@code address}, learning its identity first. */
    public CompletableFuture<Void> join(InetSocketAddress address) {
        return client.call(address, ChordNode.GET_INFO, List.of())
                .thenApply(v -> Wire.parseNode(ChordNode.GET_INFO, v))
                .thenCompose(via -> onLoop(() -> node.join(via)));
    }

    public CompletableFuture<NodeRef> lookup(long id) {
        return onLoop(() -> node.lookup(id));
    }

    public CompletableFuture<Void> leave() {
        return onLoop(node::leave);
    }

    /** Stops at once: no goodbye to the peers (see {@link #leave()} for that). */
    @Override
    public void close() {
        server.close();
        // Waiting on the loop from the loop itself (a listener that closes) would block it for good.
        long wait = loop.inEventLoop() ? 0 : 5;
        loopGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(wait, TimeUnit.SECONDS);
        client.close();
    }

    private void tickSafely() {
        try {
            node.tick();
        } catch (RuntimeException e) {
            // A bug in one round must not stop the ring maintenance for good.
            LOG.log(System.Logger.Level.ERROR, node.self() + ": maintenance round failed", e);
        }
    }

    private CompletableFuture<Object> call(NodeRef peer, String method, List<Object> params) {
        Duration timeout = ChordNode.FIND_SUCCESSOR.equals(method) ? LOOKUP_TIMEOUT : null;
        InetSocketAddress address = new InetSocketAddress(peer.ip(), peer.port());
        CompletableFuture<Object> sent = timeout == null
                ? client.call(address, method, params)
                : client.call(address, method, params, timeout);
        CompletableFuture<Object> onLoop = new CompletableFuture<>();
        sent.whenComplete((v, e) -> runOnLoop(() -> pass(onLoop, v, e)));
        return onLoop;
    }

    /** Runs {@code step} on the event loop and hands back what the future it returns gives. */
    private <T> CompletableFuture<T> onLoop(Supplier<CompletableFuture<T>> step) {
        CompletableFuture<T> out = new CompletableFuture<>();
        boolean queued = runOnLoop(() -> {
            try {
                step.get().whenComplete((v, e) -> pass(out, v, e));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        if (!queued) {
            out.completeExceptionally(new IllegalStateException("the node is closed"));
        }
        return out;
    }

    private static <T> void pass(CompletableFuture<T> to, T value, Throwable error) {
        if (error == null) {
            to.complete(value);
        } else {
            to.completeExceptionally(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
        }
    }

    /** False when the service is closing: late answers have no one to go to. */
    private boolean runOnLoop(Runnable r) {
        try {
            loop.execute(r);
            return true;
        } catch (RejectedExecutionException closed) {
            return false;
        }
    }
}
