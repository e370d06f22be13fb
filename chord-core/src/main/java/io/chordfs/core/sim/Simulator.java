package io.chordfs.core.sim;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Clock;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcError;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A discrete-event simulation of many {@link ChordNode}s on an in-memory network with a
 * simulated clock. Everything runs on the caller's thread and every random choice comes from one
 * seeded {@link Random}, so a run is a pure function of its seed: the same code that runs in
 * production, under churn and failures, reproducibly.
 *
 * <p>A crashed node answers nothing: calls to it, and calls it had not yet answered, fail with a
 * {@link TimeoutException} once the call timeout has passed, as they would over TCP. A partition
 * drops every message between its sides the same way, until it heals.
 */
public final class Simulator {
    /** Network and timing parameters, in simulated milliseconds. */
    public record Config(long minLatency, long maxLatency, long callTimeout, long tickMillis) {
        public static Config defaults() {
            return new Config(1, 20, 2_000, 500);
        }
    }

    /** The path of one lookup: how many find_successor messages it took. */
    public static final class Trace {
        private int hops;

        public int hops() {
            return hops;
        }
    }

    /** The outcome of a lookup issued through {@link #lookup}. */
    public record Lookup(CompletableFuture<NodeRef> result, Trace trace) {}

    private record Event(long time, long seq, Runnable action, Trace trace) {}

    private final class SimNode {
        final ChordNode node;
        final Set<Call> unanswered = new LinkedHashSet<>();
        final boolean legacy;
        boolean alive = true;

        SimNode(ChordNode node, boolean legacy) {
            this.node = node;
            this.legacy = legacy;
        }
    }

    private final class Call {
        final SimNode caller;
        final CompletableFuture<Object> reply = new CompletableFuture<>();
        final long deadline;
        final Trace trace;

        Call(SimNode caller, Trace trace) {
            this.caller = caller;
            this.deadline = now + config.callTimeout();
            this.trace = trace;
        }

        void fail() {
            schedule(Math.max(0, deadline - now), trace, () -> {
                if (caller.alive) {
                    reply.completeExceptionally(new TimeoutException("simulated call timed out"));
                }
            });
        }
    }

    private final Config config;
    private final Random random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) ->
            a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private final Map<NodeRef, SimNode> nodes = new HashMap<>();
    private final List<NodeRef> order = new ArrayList<>();
    /** Nodes cut off from the rest by {@link #partition}; empty when the network is whole. */
    private final Set<NodeRef> cutOff = new HashSet<>();
    private long now;
    private long seq;
    private long messages;
    private Trace currentTrace;

    public Simulator(long seed, Config config) {
        this.random = new Random(seed);
        this.config = Objects.requireNonNull(config);
    }

    public Clock clock() {
        return () -> now;
    }

    public long now() {
        return now;
    }

    public Random random() {
        return random;
    }

    /** Requests delivered so far (each answer is a second message, not counted). */
    public long messages() {
        return messages;
    }

    /** Adds a node (not yet in any ring) and starts its clock ticks at a random phase. */
    public ChordNode addNode(NodeRef ref, ChordConfig chordConfig) {
        return addNode(ref, chordConfig, false);
    }

    /**
     * Adds a node; a legacy one answers like a C++ reference node: only the RPC table, and no
     * successor-list entry beyond the third.
     */
    public ChordNode addNode(NodeRef ref, ChordConfig chordConfig, boolean legacy) {
        if (nodes.containsKey(ref)) {
            throw new IllegalArgumentException("duplicate node " + ref);
        }
        SimNode[] holder = new SimNode[1];
        ChordNode node = new ChordNode(ref, chordConfig, (peer, method, params) -> send(holder[0], peer, method, params), clock());
        SimNode sim = new SimNode(node, legacy);
        holder[0] = sim;
        nodes.put(ref, sim);
        order.add(ref);
        scheduleTick(sim, 1 + (long) (random.nextDouble() * config.tickMillis()));
        return node;
    }

    public ChordNode node(NodeRef ref) {
        return nodes.get(ref).node;
    }

    public boolean isAlive(NodeRef ref) {
        SimNode n = nodes.get(ref);
        return n != null && n.alive;
    }

    /** Every node added, alive or not, in the order added. */
    public List<NodeRef> allNodes() {
        return List.copyOf(order);
    }

    /** Live nodes that are members of a ring, by id: the ground truth lookups are checked against. */
    public TreeMap<Long, NodeRef> liveMembers() {
        TreeMap<Long, NodeRef> members = new TreeMap<>();
        for (NodeRef ref : order) {
            SimNode n = nodes.get(ref);
            if (n.alive && n.node.inRing()) {
                members.put(ref.id(), ref);
            }
        }
        return members;
    }

    /** Stops a node abruptly: it answers nothing from now on. */
    public void crash(NodeRef ref) {
        SimNode n = nodes.get(ref);
        if (!n.alive) {
            return;
        }
        n.alive = false;
        for (Call c : n.unanswered) {
            c.fail();
        }
        n.unanswered.clear();
    }

    /**
     * Splits the network in two: from now on every message between {@code side} and the other
     * nodes is lost (calls time out), while each side still talks within itself.
     */
    public void partition(Set<NodeRef> side) {
        cutOff.clear();
        cutOff.addAll(side);
    }

    /** Ends the partition. */
    public void heal() {
        cutOff.clear();
    }

    private boolean cut(SimNode a, SimNode b) {
        return cutOff.contains(a.node.self()) != cutOff.contains(b.node.self());
    }

    /** Runs {@code action} on the simulation thread after {@code delay} simulated ms. */
    public void at(long delay, Runnable action) {
        schedule(delay, null, action);
    }

    /** Asks {@code from} for the owner of {@code id}, as a client's find_successor would. */
    public Lookup lookup(NodeRef from, long id) {
        Trace trace = new Trace();
        CompletableFuture<NodeRef> result = new CompletableFuture<>();
        schedule(0, trace, () -> nodes.get(from).node.lookup(id).whenComplete((n, e) -> {
            if (e == null) {
                result.complete(n);
            } else {
                result.completeExceptionally(e);
            }
        }));
        return new Lookup(result, trace);
    }

    public void runFor(long millis) {
        long end = now + millis;
        while (!queue.isEmpty() && queue.peek().time <= end) {
            step();
        }
        now = end;
    }

    /** Runs until {@code done} holds, checking every {@code checkEvery} ms; false if it never did. */
    public boolean runUntil(BooleanSupplier done, long maxMillis, long checkEvery) {
        long end = now + maxMillis;
        while (now < end) {
            if (done.getAsBoolean()) {
                return true;
            }
            runFor(Math.min(checkEvery, end - now));
        }
        return done.getAsBoolean();
    }

    private void step() {
        Event e = queue.poll();
        now = e.time;
        currentTrace = e.trace;
        try {
            e.action.run();
        } finally {
            currentTrace = null;
        }
    }

    private void schedule(long delay, Trace trace, Runnable action) {
        queue.add(new Event(now + delay, seq++, action, trace));
    }

    private void scheduleTick(SimNode n, long delay) {
        schedule(delay, null, () -> {
            if (n.alive) {
                n.node.tick();
                scheduleTick(n, config.tickMillis());
            }
        });
    }

    private long latency() {
        return config.minLatency() + (long) (random.nextDouble() * (config.maxLatency() - config.minLatency() + 1));
    }

    private static boolean inLegacyTable(String method, List<Object> params) {
        if (method.startsWith("chordfs_")) {
            return false;
        }
        return !ChordNode.GET_SUCCESSOR.equals(method) || params.isEmpty()
                || (params.get(0) instanceof Long i && i < 3);
    }

    private CompletableFuture<Object> send(SimNode from, NodeRef to, String method, List<Object> params) {
        Call call = new Call(from, currentTrace);
        schedule(latency(), call.trace, () -> deliver(call, nodes.get(to), method, params));
        return call.reply;
    }

    private void deliver(Call call, SimNode dest, String method, List<Object> params) {
        if (dest == null || !dest.alive || cut(call.caller, dest)) {
            call.fail();
            return;
        }
        messages++;
        if (dest.legacy && !inLegacyTable(method, params)) {
            schedule(latency(), call.trace, () -> {
                if (call.caller.alive) {
                    call.reply.completeExceptionally(RpcError.unknownMethod(method));
                }
            });
            return;
        }
        if (call.trace != null && ChordNode.FIND_SUCCESSOR.equals(method)) {
            call.trace.hops++;
        }
        dest.unanswered.add(call);
        dest.node.handle(method, params).whenComplete((v, e) -> {
            if (!dest.alive || !dest.unanswered.remove(call)) {
                return;
            }
            if (cut(dest, call.caller)) {
                call.fail();
                return;
            }
            schedule(latency(), call.trace, () -> {
                if (!call.caller.alive) {
                    return;
                }
                if (e == null) {
                    call.reply.complete(v);
                } else {
                    call.reply.completeExceptionally(e);
                }
            });
        });
    }
}
