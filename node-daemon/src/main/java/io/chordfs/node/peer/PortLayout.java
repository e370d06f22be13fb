package io.chordfs.node.peer;

import io.chordfs.core.ring.NodeRef;

import java.net.URI;

/**
 * A node's three ports are consecutive: Chord RPC on P (5057), files over HTTP on P + 1 (5058),
 * node-to-node transfers on P + 2 (5059). Every node of a ring uses the same layout, so a peer's
 * ring address tells where its file and transfer endpoints are.
 */
public final class PortLayout {
    public static final int CHORD = 5057;

    private PortLayout() {}

    public static int http(int chordPort) {
        return chordPort + 1;
    }

    public static int peer(int chordPort) {
        return chordPort + 2;
    }

    public static URI peerBase(NodeRef node) {
        return URI.create("http://" + hostForUri(node.ip()) + ":" + peer(node.port()));
    }

    public static URI httpBase(NodeRef node) {
        return URI.create("http://" + hostForUri(node.ip()) + ":" + http(node.port()));
    }

    private static String hostForUri(String ip) {
        return ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
    }
}
