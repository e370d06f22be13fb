package io.chordfs.core.chord;

import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.core.rpc.RpcError;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The wire shapes of the Chord RPC table: nodes as {@code [ip, port, id]}, ids as unsigned ints. */
public final class Wire {
    private Wire() {}

    public static List<Object> node(NodeRef n) {
        return List.of(n.ip(), (long) n.port(), n.id());
    }

    public static List<Object> nodes(List<NodeRef> ns) {
        List<Object> out = new ArrayList<>(ns.size());
        for (NodeRef n : ns) {
            out.add(node(n));
        }
        return out;
    }

    /** A node from the wire; strings may arrive as msgpack str or bin (older Python clients). */
    public static NodeRef parseNode(String method, Object v) {
        if (!(v instanceof List<?> l) || l.size() != 3) {
            throw RpcError.badParams(method, "a node must be [ip, port, id]");
        }
        String ip = text(method, l.get(0));
        long port = integer(method, l.get(1), "port");
        long id = integer(method, l.get(2), "id");
        if (port > 0xffff) {
            throw RpcError.badParams(method, "port out of range: " + port);
        }
        if (!Ring.isId(id)) {
            throw RpcError.badParams(method, "id out of range: " + id);
        }
        return new NodeRef(ip, (int) port, id);
    }

    public static List<NodeRef> parseNodes(String method, Object v) {
        if (!(v instanceof List<?> l)) {
            throw RpcError.badParams(method, "expected a list of nodes");
        }
        List<NodeRef> out = new ArrayList<>(l.size());
        for (Object o : l) {
            out.add(parseNode(method, o));
        }
        return out;
    }

    /** An identifier: an integer in [0, 2^32). */
    public static long parseId(String method, Object v) {
        long id = integer(method, v, "id");
        if (!Ring.isId(id)) {
            throw RpcError.badParams(method, "id out of range: " + id);
        }
        return id;
    }

    public static long integer(String method, Object v, String what) {
        if (v instanceof Long l && l >= 0) {
            return l;
        }
        if (v instanceof Integer i && i >= 0) {
            return i;
        }
        throw RpcError.badParams(method, what + " must be a non-negative integer, got " + describe(v));
    }

    private static String text(String method, Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        throw RpcError.badParams(method, "ip must be a string, got " + describe(v));
    }

    /** A msgpack str or bin as text (UTF-8): a proof of the cluster secret, say. */
    static String text(String method, Object v, String what) {
        return new String(bytes(method, v, what), StandardCharsets.UTF_8);
    }

    /** A msgpack str (as UTF-8) or bin, byte for byte: what a secret is compared as. */
    static byte[] bytes(String method, Object v, String what) {
        if (v instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (v instanceof byte[] b) {
            return b;
        }
        throw RpcError.badParams(method, what + " must be a string, got " + describe(v));
    }

    private static String describe(Object v) {
        return v == null ? "nil" : v instanceof Long ? "integer " + v : v.getClass().getSimpleName();
    }

    public static void arity(String method, List<Object> params, int min, int max) {
        if (params.size() < min || params.size() > max) {
            String want = min == max ? String.valueOf(min) : min + " to " + max;
            throw RpcError.badParams(method, "expected " + want + " argument(s), got " + params.size());
        }
    }
}
