package io.chordfs.node.http;

import io.chordfs.node.route.LocalRouter;
import io.chordfs.node.route.RingListing;
import io.chordfs.node.store.ObjectStore;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * A file server in a JVM of its own, for tests that need a small heap: {@code ChildServer
 * <dataDir>}. It prints {@code PORT <n>} once serving and stops when its standard input closes.
 */
public final class ChildServer {
    private ChildServer() {}

    public static void main(String[] args) throws IOException {
        ObjectStore store = ObjectStore.open(Path.of(args[0]), 0);
        FileServer server = FileServer.start(new InetSocketAddress("127.0.0.1", 0), store, new LocalRouter(store),
                RingListing.alone(store), FileServer.Options.defaults());
        System.out.println("PORT " + server.address().getPort());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to close our stdin
        }
        server.close();
        store.close();
    }
}
