package io.chordfs.node;

import io.chordfs.node.daemon.NodeDaemon;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;

/** Joins a ring, retrying with backoff: the member may still be starting. */
final class Joiner {
    private static final long MAX_BACKOFF_MS = 10_000;

    private Joiner() {}

    /** False when interrupted before joining. */
    static boolean joinWithRetry(NodeDaemon node, InetSocketAddress via, long timeoutMs, PrintStream out) {
        long backoff = 200;
        while (true) {
            try {
                node.join(via, timeoutMs);
                out.println("joined the ring through " + via.getHostString() + ":" + via.getPort()
                        + "; successor " + node.chord().node().successor());
                return true;
            } catch (IOException e) {
                out.println(e.getMessage() + "; retrying in " + backoff + " ms");
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }
}
