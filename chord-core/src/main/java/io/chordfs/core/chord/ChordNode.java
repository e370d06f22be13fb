package io.chordfs.core.chord;

import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.core.rpc.RpcError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One Chord node as a state machine: it is driven by {@link #handle} (an RPC from a peer),
 * {@link #tick} (time passing) and the completion of the calls it made, and it does no I/O of
 * its own. Everything runs on one thread of control chosen by the host (an event loop thread in
 * production, the simulator's thread in tests), so there are no locks; the few fields other
 * threads read are volatile, immutable snapshots.
 *
 * <p>The protocol follows Zave's corrected Chord: a successor is adopted only after it has
 * answered (we fetch its successor list first), the successor list is repaired from the next
 * live entry when a successor fails, and {@code notify} replaces a predecessor that is worse or
 * no longer answers. Towards peers only the methods of the RPC table in DESIGN.md are required;
 * our own extensions fall back to them when a peer (a C++ reference node) does not know them.
 *
 * <p>With a cluster secret ({@link ChordConfig#clusterSecret}), membership is for members: a node
 * adopts a successor only when its successor list comes with a proof of the secret bound to our
 * request ({@code chordfs_successor_list(proof)}), and a predecessor, a goodbye or a departure only
 * from a call that carries one ({@code chordfs_notify}, {@code chordfs_leave}). The table's
 * {@code notify}, and {@code create} and {@code join} from outside, change nothing then; the
 * read-only methods stay open. A call that is ignored so is logged once per peer a minute.
 */
public final class ChordNode {
    public static final String GET_INFO = "get_info";
    public static final String CREATE = "create";
    public static final String JOIN = "join";
    public static final String FIND_SUCCESSOR = "find_successor";
    public static final String GET_SUCCESSOR = "get_successor";
    public static final String GET_PREDECESSOR = "get_predecessor";
    public static final String NOTIFY = "notify";
    public static final String KILL = "kill";
    /** Extension: the whole successor list in one call. */
    public static final String SUCCESSOR_LIST = "chordfs_successor_list";
    /** Extension: {@code [leaver, its predecessor, its successors]}, sent by a node that leaves. */
    public static final String LEAVE = "chordfs_leave";
    /** Extension: {@code notify} with a proof of the cluster secret, {@code [node, proof]}. */
    public static final String PROVEN_NOTIFY = "chordfs_notify";

    /** The C++ reference nodes keep three successors; asking them for more is unsafe. */
    static final int LEGACY_LIST_LENGTH = 3;
    private static final int LOOKUP_ATTEMPTS = 3;
    private static final int LEGACY_MEMORY = 1024;
    /** How many failed peers are remembered for {@link #probeLostPeer}, and for how long. */
    private static final int LOST_MEMORY = 32;
    static final long LOST_MEMORY_MILLIS = 60 * 60 * 1000L;
    /** A goodbye is trusted for this many stabilize periods: longer than any round in flight. */
    static final int DEPARTED_PERIODS = 20;
    private static final System.Logger LOG = System.getLogger(ChordNode.class.getName());

    private final NodeRef self;
    private final ChordConfig config;
    private final ClusterSecret secret;
    private final RefusalLog refusals;
    private final Transport transport;
    private final Clock clock;
    private ChordListener listener = ChordListener.NONE;

    private volatile boolean inRing;
    private volatile boolean leaving;
    private volatile NodeRef predecessor;
    private volatile List<NodeRef> successors;
    private volatile NodeRef[] fingers = new NodeRef[Ring.BITS];

    /** Peers that answered an extension method with an error: we use the plain table with them. */
    private final Set<NodeRef> legacyPeers = Collections.newSetFromMap(bounded(LEGACY_MEMORY));

    /**
     * Peers that stopped answering (not those that left gracefully), with when they were lost.
     * A partition looks like a crash from both sides: a node cut off alone ends up as a ring of
     * one, a larger side as a ring of its own. Stabilize never looks outside the ring it has, so
     * we ask these peers again from time to time and step back into their ring when they answer.
     */
    private final Map<NodeRef, Long> lostPeers = bounded(LOST_MEMORY);

    /**
     * Peers that said goodbye, with when. A stabilize round already in flight when the goodbye
     * arrives would otherwise adopt the leaver again (it still answers until its process exits).
     * Its notifies are ignored too. Forgotten after {@link #DEPARTED_PERIODS} stabilize periods,
     * so a node that joins again is taken back.
     */
    private final Map<NodeRef, Long> departed = bounded(LOST_MEMORY);

    /** A map that keeps the {@code max} most recently inserted keys, dropping the eldest. */
    private static <K, V> Map<K, V> bounded(int max) {
        return new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    private boolean joining;
    private boolean probing;
    private boolean stabilizing;
    private boolean checkingPredecessor;
    private boolean fixingFingers;
    private long nextStabilize;
    private long nextFixFingers;
    private int nextFinger;

    public ChordNode(NodeRef self, ChordConfig config, Transport transport, Clock clock) {
        this.self = Objects.requireNonNull(self);
        this.config = Objects.requireNonNull(config);
        this.secret = config.clusterSecret();
        this.refusals = new RefusalLog(self.toString());
        this.transport = Objects.requireNonNull(transport);
        this.clock = Objects.requireNonNull(clock);
        this.successors = List.of(self);
    }

    public void setListener(ChordListener listener) {
        this.listener = Objects.requireNonNull(listener);
    }

    // ---- what other threads may read ------------------------------------------------------

    public NodeRef self() {
        return self;
    }

    public ChordConfig config() {
        return config;
    }

    public boolean inRing() {
        return inRing && !leaving;
    }

    /** The predecessor, or null when there is none. */
    public NodeRef predecessor() {
        return predecessor;
    }

    /** The successor list, immediate successor first; {@code [self]} when alone. */
    public List<NodeRef> successors() {
        return successors;
    }

    public NodeRef successor() {
        return successors.get(0);
    }

    /** Finger i (successor of self + 2^i), or null when not known. */
    public NodeRef finger(int i) {
        return fingers[i];
    }

    // ---- inbound RPCs ---------------------------------------------------------------------

    /** Serves one call of the RPC table (or an extension). Bad input fails with {@link RpcError}. */
    public CompletableFuture<Object> handle(String method, List<Object> params) {
        try {
            switch (method) {
                case GET_INFO:
                    Wire.arity(method, params, 0, 0);
                    return done(Wire.node(self));
                case CREATE:
                    Wire.arity(method, params, 0, 0);
                    if (secret.isSet()) {
                        refused("someone", CREATE, "membership is for members");
                    } else {
                        create();
                    }
                    return done(null);
                case JOIN:
                    Wire.arity(method, params, 1, 1);
                    NodeRef via = Wire.parseNode(method, params.get(0));
                    if (secret.isSet()) {
                        refused(via.toString(), JOIN, "membership is for members");
                        throw new RpcError("join is not taken from outside a ring with a cluster secret");
                    }
                    return join(via).thenApply(v -> null);
                case FIND_SUCCESSOR: {
                    Wire.arity(method, params, 1, 1);
                    long id = Wire.parseId(method, params.get(0));
                    if (!inRing()) {
                        // Not yet a member, or leaving: an answer from here could name this node.
                        throw new RpcError("node " + self + " is not a ring member");
                    }
                    return lookup(id).thenApply(Wire::node);
                }
                case GET_SUCCESSOR: {
                    Wire.arity(method, params, 0, 1);
                    List<NodeRef> list = successors;
                    long i = params.isEmpty() ? 0 : Wire.integer(method, params.get(0), "index");
                    if (i >= list.size()) {
                        throw RpcError.badParams(method, "index " + i + " beyond the successor list of " + list.size());
                    }
                    return done(Wire.node(list.get((int) i)));
                }
                case GET_PREDECESSOR: {
                    Wire.arity(method, params, 0, 0);
                    NodeRef p = predecessor;
                    return done(Wire.node(p == null ? NodeRef.NONE : p));
                }
                case NOTIFY: {
                    Wire.arity(method, params, 1, 1);
                    NodeRef n = Wire.parseNode(method, params.get(0));
                    if (secret.isSet()) {
                        refused(n.toString(), NOTIFY, "it carries no proof of the cluster secret");
                    } else {
                        onNotify(n);
                    }
                    return done(null);
                }
                case PROVEN_NOTIFY: {
                    Wire.arity(method, params, 2, 2);
                    NodeRef n = Wire.parseNode(method, params.get(0));
                    if (proven(n.toString(), method, notifyClaim(n), params.get(1))) {
                        onNotify(n);
                    }
                    return done(null);
                }
                case KILL:
                    // The table's kill takes no argument; with a cluster secret it must be kill(secret).
                    Wire.arity(method, params, 0, 1);
                    byte[] given = params.isEmpty() ? null : Wire.bytes(method, params.get(0), "the secret");
                    if (!config.clusterSecret().admits(given)) {
                        LOG.log(System.Logger.Level.WARNING, "{0}: refused a kill {1}", self,
                                given == null ? "without the cluster secret" : "with a wrong cluster secret");
                        throw new RpcError("kill requires the cluster secret: call kill(secret)");
                    }
                    return leave().thenApply(v -> {
                        listener.killed();
                        return null;
                    });
                case SUCCESSOR_LIST: {
                    if (!secret.isSet()) {
                        Wire.arity(method, params, 0, 0);
                        return done(Wire.nodes(successors));
                    }
                    // [list, proof of the list bound to the caller's proof]: only to a member.
                    Wire.arity(method, params, 1, 1);
                    String asked = Wire.text(method, params.get(0), "the proof");
                    String problem = secret.problem(successorsClaim(self), asked, clock.millis());
                    if (problem != null) {
                        refused("someone", method, problem);
                        throw new RpcError(method + " needs a proof of the cluster secret");
                    }
                    List<NodeRef> list = successors;
                    return done(List.of(Wire.nodes(list), secret.proveReply(asked, describe(list))));
                }
                case LEAVE: {
                    Wire.arity(method, params, secret.isSet() ? 4 : 3, secret.isSet() ? 4 : 3);
                    NodeRef leaver = Wire.parseNode(method, params.get(0));
                    NodeRef itsPredecessor = Wire.parseNode(method, params.get(1));
                    List<NodeRef> itsSuccessors = Wire.parseNodes(method, params.get(2));
                    if (!secret.isSet() || proven(leaver.toString(), method,
                            leaveClaim(leaver, itsPredecessor, itsSuccessors), params.get(3))) {
                        onLeave(leaver, itsPredecessor, itsSuccessors);
                    }
                    return done(null);
                }
                default:
                    throw RpcError.unknownMethod(method);
            }
        } catch (RpcError e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---- membership -----------------------------------------------------------------------

    /** Starts a new ring with this node alone. On a node already in a ring it changes nothing. */
    public void create() {
        if (inRing) {
            return;
        }
        predecessor = null;
        setSuccessors(List.of(self));
        inRing = true;
        LOG.log(System.Logger.Level.INFO, "{0}: created a new ring", self);
    }

    /** Joins the ring {@code via} belongs to. Allowed only while this node has no other members. */
    public CompletableFuture<Void> join(NodeRef via) {
        if (via.isNone() || via.equals(self)) {
            return CompletableFuture.failedFuture(RpcError.badParams(JOIN, "cannot join through " + via));
        }
        if (joining || (inRing && !alone())) {
            return CompletableFuture.failedFuture(new RpcError(
                    "node " + self + " is already " + (joining ? "joining" : "in a ring with other members")));
        }
        joining = true;
        return findSuccessorVia(via, self.id())
                .thenCompose(s -> s.equals(self) ? findSuccessorVia(via, Ring.add(self.id(), 1)) : done(s))
                .thenCompose(s -> {
                    if (s.equals(self)) {
                        throw new CompletionException(new RpcError("the ring of " + via + " has no other member"));
                    }
                    if (s.id() == self.id()) {
                        throw new CompletionException(new RpcError("id " + self.id() + " is already taken by " + s));
                    }
                    return successorListOf(s).thenAccept(list -> {
                        predecessor = null;
                        fingers = new NodeRef[Ring.BITS];
                        setSuccessors(extend(s, list));
                        inRing = true;
                        LOG.log(System.Logger.Level.INFO, "{0}: joined through {1}, successor {2}", self, via, s);
                        notifyOf(s);
                    });
                })
                .whenComplete((v, e) -> joining = false);
    }

    /**
     * Leaves the ring: the successor adopts our predecessor and the predecessor our successors,
     * so neither waits for a failure to be detected. Peers that do not know the extension learn
     * it by stabilizing.
     */
    public CompletableFuture<Void> leave() {
        if (!inRing || leaving) {
            return done(null);
        }
        leaving = true;
        NodeRef p = predecessor;
        List<NodeRef> others = new ArrayList<>(successors);
        others.removeIf(self::equals);
        if (others.isEmpty()) {
            inRing = false;
            return done(null);
        }
        NodeRef pred = p == null ? NodeRef.NONE : p;
        List<CompletableFuture<Object>> told = new ArrayList<>();
        told.add(call(others.get(0), LEAVE, leaveParams(others.get(0), pred, others)).exceptionally(e -> null));
        if (p != null && !p.equals(self) && !p.equals(others.get(0))) {
            told.add(call(p, LEAVE, leaveParams(p, pred, others)).exceptionally(e -> null));
        }
        LOG.log(System.Logger.Level.INFO, "{0}: leaving; successor {1} and predecessor {2} told", self, others.get(0), p);
        return CompletableFuture.allOf(told.toArray(CompletableFuture[]::new)).thenRun(() -> inRing = false);
    }

    private boolean alone() {
        NodeRef p = predecessor;
        return successors.stream().allMatch(self::equals) && (p == null || p.equals(self));
    }

    // ---- lookups --------------------------------------------------------------------------

    /** The node that owns {@code id}: recursive, forwarding to the closest preceding node. */
    public CompletableFuture<NodeRef> lookup(long id) {
        CompletableFuture<NodeRef> result = new CompletableFuture<>();
        lookup(id, new HashSet<>(), result);
        return result;
    }

    private void lookup(long id, Set<NodeRef> tried, CompletableFuture<NodeRef> result) {
        NodeRef succ = successor();
        NodeRef p = predecessor;
        if (succ.equals(self) || Ring.inOpenClosed(id, self.id(), succ.id())) {
            result.complete(succ);
            return;
        }
        if (p != null && Ring.inOpenClosed(id, p.id(), self.id())) {
            result.complete(self);
            return;
        }
        NodeRef next = closestPreceding(id, tried);
        if (next == null) {
            // Every node that precedes id was tried; the first untried successor owns it.
            for (NodeRef s : successors) {
                if (!tried.contains(s)) {
                    result.complete(s);
                    return;
                }
            }
            result.completeExceptionally(new RpcError("lookup of " + id + " failed: no live node precedes it"));
            return;
        }
        call(next, FIND_SUCCESSOR, List.of(id)).whenComplete((v, e) -> {
            if (e == null) {
                try {
                    result.complete(Wire.parseNode(FIND_SUCCESSOR, v));
                } catch (RpcError bad) {
                    result.completeExceptionally(bad);
                }
                return;
            }
            if (!isRemoteError(e)) {
                forgetFinger(next);
                lost(next);
            }
            tried.add(next);
            if (tried.size() >= LOOKUP_ATTEMPTS) {
                result.completeExceptionally(new RpcError("lookup of " + id + " failed after "
                        + tried.size() + " attempts: " + rootCause(e)));
            } else {
                lookup(id, tried, result);
            }
        });
    }

    /** Among fingers and successors, the node in (self, id) closest to id, not yet tried. */
    private NodeRef closestPreceding(long id, Set<NodeRef> tried) {
        NodeRef best = null;
        for (NodeRef n : fingers) {
            best = closer(best, n, id, tried);
        }
        for (NodeRef n : successors) {
            best = closer(best, n, id, tried);
        }
        return best;
    }

    private NodeRef closer(NodeRef best, NodeRef n, long id, Set<NodeRef> tried) {
        if (n == null || n.equals(self) || !Ring.inOpen(n.id(), self.id(), id) || tried.contains(n)) {
            return best;
        }
        return best == null || Ring.distance(self.id(), n.id()) > Ring.distance(self.id(), best.id()) ? n : best;
    }

    private CompletableFuture<NodeRef> findSuccessorVia(NodeRef via, long id) {
        return call(via, FIND_SUCCESSOR, List.of(id)).thenApply(v -> Wire.parseNode(FIND_SUCCESSOR, v));
    }

    // ---- maintenance ----------------------------------------------------------------------

    /** Time passes: runs stabilize, check_predecessor and fix_fingers when they are due. */
    public void tick() {
        if (!inRing || leaving) {
            return;
        }
        long now = clock.millis();
        if (now >= nextStabilize) {
            nextStabilize = now + config.stabilizeMillis();
            stabilize();
            checkPredecessor();
            probeLostPeer(now);
        }
        if (now >= nextFixFingers) {
            nextFixFingers = now + config.fixFingersMillis();
            fixFingers();
        }
    }

    private void stabilize() {
        if (stabilizing) {
            return;
        }
        stabilizing = true;
        NodeRef succ = successor();
        CompletableFuture<NodeRef> candidate;
        if (succ.equals(self)) {
            NodeRef p = predecessor;
            candidate = done(p == null ? self : p);
        } else {
            candidate = call(succ, GET_PREDECESSOR, List.of()).thenApply(v -> {
                NodeRef x = Wire.parseNode(GET_PREDECESSOR, v);
                return !x.isNone() && Ring.inOpen(x.id(), self.id(), succ.id()) ? x : succ;
            });
        }
        candidate.whenComplete((c, e) -> {
            if (e != null) {
                successorFailed(succ, e);
            } else if (c.equals(self)) {
                stabilizing = false;
            } else {
                adoptSuccessor(c).whenComplete((ok, e2) -> {
                    if (e2 == null) {
                        stabilizing = false;
                    } else if (c.equals(succ)) {
                        successorFailed(succ, e2);
                    } else {
                        // The better successor did not answer: keep the current one, refreshed.
                        adoptSuccessor(succ).whenComplete((ok2, e3) -> {
                            if (e3 == null) {
                                stabilizing = false;
                            } else {
                                successorFailed(succ, e3);
                            }
                        });
                    }
                });
            }
        });
    }

    /** Adopts c as successor once c has answered with its own successor list, then notifies it. */
    private CompletableFuture<Void> adoptSuccessor(NodeRef c) {
        if (hasDeparted(c)) {
            return CompletableFuture.failedFuture(new IllegalStateException(c + " has left the ring"));
        }
        return successorListOf(c).thenAccept(list -> {
            if (leaving) {
                return;   // a round that started before we left must not announce us again
            }
            list = list.stream().filter(n -> !hasDeparted(n)).toList();
            setSuccessors(extend(c, list));
            notifyOf(c);
        });
    }

    /** Tells {@code peer} we might be its predecessor: the table's notify, or with a secret our proven one. */
    private void notifyOf(NodeRef peer) {
        if (secret.isSet()) {
            call(peer, PROVEN_NOTIFY, List.of(Wire.node(self), secret.prove(notifyClaim(self, peer), clock.millis())));
        } else {
            call(peer, NOTIFY, List.of(Wire.node(self)));
        }
    }

    /** The successor did not answer: drop it and stabilize at once with the next live entry. */
    private void successorFailed(NodeRef succ, Throwable cause) {
        List<NodeRef> rest = new ArrayList<>(successors);
        rest.removeIf(succ::equals);
        if (rest.isEmpty()) {
            rest.add(self);
        }
        LOG.log(System.Logger.Level.INFO, "{0}: successor {1} failed ({2}); next is {3}",
                self, succ, rootCause(cause), rest.get(0));
        forgetFinger(succ);
        lost(succ);
        if (predecessor != null && predecessor.equals(succ)) {
            setPredecessor(null);
        }
        setSuccessors(rest);
        stabilizing = false;
        if (!rest.get(0).equals(self)) {
            stabilize();
        }
    }

    private List<NodeRef> extend(NodeRef first, List<NodeRef> itsSuccessors) {
        List<NodeRef> next = new ArrayList<>(config.successorListLength());
        next.add(first);
        for (NodeRef n : itsSuccessors) {
            if (next.size() == config.successorListLength()) {
                break;
            }
            next.add(n);
        }
        return next;
    }

    /** A peer's successor list: the extension in one call, or get_successor(i) for legacy peers. */
    private CompletableFuture<List<NodeRef>> successorListOf(NodeRef peer) {
        if (peer.equals(self)) {
            return done(successors);
        }
        if (secret.isSet()) {
            return provenSuccessorList(peer);
        }
        if (legacyPeers.contains(peer)) {
            return legacySuccessorList(peer);
        }
        return call(peer, SUCCESSOR_LIST, List.of())
                .thenApply(v -> Wire.parseNodes(SUCCESSOR_LIST, v))
                .exceptionallyCompose(e -> {
                    if (!isRemoteError(e)) {
                        return CompletableFuture.failedFuture(e);
                    }
                    legacyPeers.add(peer);
                    return legacySuccessorList(peer);
                });
    }

    /**
     * The successor list of a peer that proves it holds the cluster secret, bound to our request;
     * a peer that cannot (an intruder, a node with another secret, a legacy node) fails here,
     * and so is never adopted.
     */
    private CompletableFuture<List<NodeRef>> provenSuccessorList(NodeRef peer) {
        String asked = secret.prove(successorsClaim(peer), clock.millis());
        return call(peer, SUCCESSOR_LIST, List.of(asked)).thenApply(v -> {
            List<?> answer = v instanceof List<?> l && l.size() == 2 ? l : List.of();
            if (answer.isEmpty()) {
                throw new CompletionException(new RpcError(peer + " answered " + SUCCESSOR_LIST + " without a proof"));
            }
            List<NodeRef> list = Wire.parseNodes(SUCCESSOR_LIST, answer.get(0));
            Object p = answer.get(1);
            String proof = p instanceof String || p instanceof byte[] ? Wire.text(SUCCESSOR_LIST, p, "the proof") : null;
            if (!secret.verifyReply(asked, describe(list), proof)) {
                refused(peer.toString(), SUCCESSOR_LIST, "its answer carries no valid proof of the cluster secret");
                throw new CompletionException(new RpcError(peer + " did not prove it holds the cluster secret"));
            }
            return list;
        });
    }

    private CompletableFuture<List<NodeRef>> legacySuccessorList(NodeRef peer) {
        int n = Math.max(1, Math.min(config.successorListLength() - 1, LEGACY_LIST_LENGTH));
        List<CompletableFuture<NodeRef>> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            CompletableFuture<NodeRef> entry = call(peer, GET_SUCCESSOR, List.of((long) i))
                    .thenApply(v -> Wire.parseNode(GET_SUCCESSOR, v));
            // Only the first entry must exist: a short list ends at the first index the peer refuses.
            entries.add(i == 0 ? entry : entry.exceptionally(e -> null));
        }
        return CompletableFuture.allOf(entries.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<NodeRef> list = new ArrayList<>(entries.size());
            for (CompletableFuture<NodeRef> f : entries) {
                NodeRef r = f.join();
                if (r == null || r.isNone()) {
                    break;
                }
                list.add(r);
            }
            return list;
        });
    }

    private void onNotify(NodeRef n) {
        if (n.isNone() || n.equals(self)) {
            return;
        }
        if (hasDeparted(n)) {
            return;
        }
        NodeRef p = predecessor;
        if (p == null || Ring.inOpen(n.id(), p.id(), self.id())) {
            setPredecessor(n);
            return;
        }
        if (p.equals(n)) {
            return;
        }
        // Zave's rectify: a predecessor that no longer answers gives way to the notifier.
        call(p, GET_INFO, List.of()).whenComplete((v, e) -> {
            if (e != null && !isRemoteError(e) && p.equals(predecessor)) {
                setPredecessor(n);
            }
        });
    }

    private void checkPredecessor() {
        NodeRef p = predecessor;
        if (p == null || checkingPredecessor || p.equals(self)) {
            return;
        }
        checkingPredecessor = true;
        call(p, GET_INFO, List.of()).whenComplete((v, e) -> {
            checkingPredecessor = false;
            boolean gone = e != null ? !isRemoteError(e) : !sameNode(v, p);
            if (gone && p.equals(predecessor)) {
                LOG.log(System.Logger.Level.INFO, "{0}: predecessor {1} failed", self, p);
                setPredecessor(null);
                if (e != null) {
                    lost(p);
                }
            }
        });
    }

    private static boolean sameNode(Object wire, NodeRef expected) {
        try {
            return Wire.parseNode(GET_INFO, wire).equals(expected);
        } catch (RpcError e) {
            return false;
        }
    }

    private void onLeave(NodeRef leaver, NodeRef itsPredecessor, List<NodeRef> itsSuccessors) {
        if (leaver.equals(self)) {
            return;
        }
        NodeRef p = predecessor;
        if (p != null && p.equals(leaver)) {
            setPredecessor(itsPredecessor.isNone() || itsPredecessor.equals(self) ? null : itsPredecessor);
        }
        List<NodeRef> current = successors;
        if (current.contains(leaver)) {
            List<NodeRef> next = new ArrayList<>();
            for (NodeRef n : current.get(0).equals(leaver) ? itsSuccessors : current) {
                if (!n.equals(leaver) && next.size() < config.successorListLength()) {
                    next.add(n);
                }
            }
            if (next.isEmpty()) {
                next.add(self);
            }
            setSuccessors(next);
        }
        forgetFinger(leaver);
        lostPeers.remove(leaver);
        departed.put(leaver, clock.millis());
        LOG.log(System.Logger.Level.INFO, "{0}: {1} left the ring", self, leaver);
    }

    private boolean hasDeparted(NodeRef peer) {
        Long at = departed.get(peer);
        if (at != null && clock.millis() - at > DEPARTED_PERIODS * config.stabilizeMillis()) {
            departed.remove(peer);
            return false;
        }
        return at != null;
    }

    /** Remembers a peer that stopped answering; one that said goodbye did not fail and is not probed. */
    private void lost(NodeRef peer) {
        if (!peer.equals(self) && !hasDeparted(peer)) {
            lostPeers.remove(peer);
            lostPeers.put(peer, clock.millis());
        }
    }

    /**
     * Asks the longest-lost peer for our successor in its ring. An answer between us and our
     * successor (anything, when we are alone) is a node our ring lacks: adopting it, under the
     * same rule stabilize uses, joins the two rings, and stabilize spreads the merge. A peer is
     * forgotten once it answers with our own view, after {@link #LOST_MEMORY_MILLIS}, or when it
     * leaves gracefully.
     */
    private void probeLostPeer(long now) {
        lostPeers.values().removeIf(at -> now - at > LOST_MEMORY_MILLIS);
        if (probing || lostPeers.isEmpty()) {
            return;
        }
        NodeRef peer = lostPeers.keySet().iterator().next();
        long lostAt = lostPeers.remove(peer);
        probing = true;
        findSuccessorVia(peer, self.id()).whenComplete((s, e) -> {
            probing = false;
            NodeRef succ = successor();
            if (e != null || s.isNone()) {
                lostPeers.putIfAbsent(peer, lostAt);   // to the back of the queue, keeping its age
                return;
            }
            if (s.equals(self) || s.equals(succ) || !(succ.equals(self) || Ring.inOpen(s.id(), self.id(), succ.id()))) {
                return;   // same view, or a successor no closer than ours: nothing to merge from here
            }
            LOG.log(System.Logger.Level.INFO, "{0}: {1} answers again; its ring has {2} before our successor {3}: adopting it",
                    self, peer, s, succ);
            adoptSuccessor(s).whenComplete((ok, e2) -> {
                if (e2 != null) {
                    lostPeers.putIfAbsent(peer, lostAt);
                }
            });
        });
    }

    private void fixFingers() {
        if (fixingFingers) {
            return;
        }
        fixingFingers = true;
        fixFingersFrom(0, config.fingerLookupsPerRound());
    }

    /** Walks the finger table from nextFinger; fingers inside (self, successor] cost no RPC. */
    private void fixFingersFrom(int visited, int lookupsLeft) {
        NodeRef succ = successor();
        if (succ.equals(self)) {
            fingers = new NodeRef[Ring.BITS];
            fixingFingers = false;
            return;
        }
        while (visited < Ring.BITS) {
            int i = nextFinger;
            long start = Ring.fingerStart(self.id(), i);
            if (Ring.inOpenClosed(start, self.id(), succ.id())) {
                setFinger(i, succ);
                nextFinger = (i + 1) % Ring.BITS;
                visited++;
                continue;
            }
            if (lookupsLeft == 0) {
                break;
            }
            int seen = visited;
            lookup(start).whenComplete((n, e) -> {
                int more = 1;
                if (e == null) {
                    setFinger(i, n);
                    // Following fingers whose start also falls before n share the answer.
                    while (i + more < Ring.BITS && Ring.inOpenClosed(Ring.fingerStart(self.id(), i + more), start, n.id())) {
                        setFinger(i + more, n);
                        more++;
                    }
                }
                nextFinger = (i + more) % Ring.BITS;
                fixFingersFrom(seen + more, lookupsLeft - 1);
            });
            return;
        }
        fixingFingers = false;
    }

    // ---- state changes --------------------------------------------------------------------

    private void setSuccessors(List<NodeRef> next) {
        if (next.equals(successors)) {
            return;
        }
        successors = List.copyOf(next);
        LOG.log(System.Logger.Level.DEBUG, "{0}: successors {1}", self, successors);
        listener.successorsChanged(successors);
    }

    private void setPredecessor(NodeRef p) {
        if (Objects.equals(p, predecessor)) {
            return;
        }
        predecessor = p;
        LOG.log(System.Logger.Level.DEBUG, "{0}: predecessor {1}", self, p);
        listener.predecessorChanged(p);
    }

    private void setFinger(int i, NodeRef n) {
        if (n.equals(fingers[i])) {
            return;
        }
        NodeRef[] next = fingers.clone();
        next[i] = n;
        fingers = next;
    }

    private void forgetFinger(NodeRef dead) {
        NodeRef[] f = fingers;
        if (Arrays.asList(f).contains(dead)) {
            NodeRef[] next = f.clone();
            for (int i = 0; i < next.length; i++) {
                if (dead.equals(next[i])) {
                    next[i] = null;
                }
            }
            fingers = next;
        }
    }

    // ---- proofs of the cluster secret ------------------------------------------------------

    /** What a proven notify says: {@code n} might be the predecessor of {@code target}. */
    private static String notifyClaim(NodeRef n, NodeRef target) {
        return PROVEN_NOTIFY + "\n" + n + "\n" + target;
    }

    private String notifyClaim(NodeRef n) {
        return notifyClaim(n, self);
    }

    /** What a request for {@code target}'s successor list says (the answer is bound to it). */
    private static String successorsClaim(NodeRef target) {
        return SUCCESSOR_LIST + "\n" + target;
    }

    private String leaveClaim(NodeRef leaver, NodeRef itsPredecessor, List<NodeRef> itsSuccessors) {
        return leaveClaim(leaver, itsPredecessor, itsSuccessors, self);
    }

    private static String leaveClaim(NodeRef leaver, NodeRef itsPredecessor, List<NodeRef> itsSuccessors, NodeRef target) {
        return LEAVE + "\n" + leaver + "\n" + itsPredecessor + "\n" + describe(itsSuccessors) + "\n" + target;
    }

    /** The goodbye to {@code target}: proven when there is a secret. */
    private List<Object> leaveParams(NodeRef target, NodeRef pred, List<NodeRef> others) {
        List<Object> params = new ArrayList<>(List.of(Wire.node(self), Wire.node(pred), Wire.nodes(others)));
        if (secret.isSet()) {
            params.add(secret.prove(leaveClaim(self, pred, others, target), clock.millis()));
        }
        return params;
    }

    private static String describe(List<NodeRef> nodes) {
        return nodes.toString();
    }

    /** Whether a membership call's proof holds; a refusal is logged (once per peer a minute). */
    private boolean proven(String peer, String method, String claim, Object proof) {
        String given = proof instanceof String || proof instanceof byte[] ? Wire.text(method, proof, "the proof") : null;
        String problem = secret.problem(claim, given, clock.millis());
        if (problem == null) {
            return true;
        }
        refused(peer, method, problem);
        return false;
    }

    private void refused(String peer, String method, String why) {
        refusals.refused(peer, method, why, clock.millis());
    }

    /**
     * A msgpack-rpc notification: as the call of the same name, but {@code kill} is never taken
     * from a notification (one stray packet must not take a node out of its ring).
     */
    public CompletableFuture<Object> handleNotification(String method, List<Object> params) {
        if (KILL.equals(method)) {
            refused("someone", "kill notification", "kill is taken only as a call");
            return done(null);
        }
        return handle(method, params);
    }

    // ---- plumbing -------------------------------------------------------------------------

    /** Calls a peer; a call to this node itself is served locally. */
    private CompletableFuture<Object> call(NodeRef peer, String method, List<Object> params) {
        return peer.equals(self) ? handle(method, params) : transport.call(peer, method, params);
    }

    static boolean isRemoteError(Throwable e) {
        return unwrap(e) instanceof RpcError;
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static String rootCause(Throwable e) {
        Throwable t = unwrap(e);
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
