package io.chordfs.node;

import io.chordfs.core.net.ChordService;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Joins a ring, retrying with backoff: the member may still be starting. */
final class Joiner {
    private static final long MAX_BACKOFF_MS = 10_000;

    private Joiner() {}

    static void joinWithRetry(ChordService service, InetSocketAddress via, PrintStream out) {
        long backoff = 200;
        while (true) {
            try {
                service.join(via).get(30, TimeUnit.SECONDS);
                out.println("joined the ring through " + via.getHostString() + ":" + via.getPort()
                        + "; successor " + service.node().successor());
                return;
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                out.println("join through " + via.getHostString() + ":" + via.getPort() + " failed ("
                        + cause.getMessage() + "); retrying in " + backoff + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }
}
