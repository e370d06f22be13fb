package io.chordfs.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The least a file server built on the JDK's {@code HttpServer} (which DESIGN.md prescribes for
 * ChordFS) can do for a GET: read the file into one 64 KiB array at a time and write it to the
 * response, with no checksum, metadata, name rules or routing. Not a competitor, a reference: its
 * download speed is the ceiling of any node on that server, against which both ChordFS and
 * uploadserver are read.
 */
final class BareJdkServer implements AutoCloseable {
    private static final int BUFFER = 64 * 1024;

    private final HttpServer server;
    private final ExecutorService pool;

    private BareJdkServer(HttpServer server, ExecutorService pool) {
        this.server = server;
        this.pool = pool;
    }

    /** Serves GET /name from {@code dir} on an ephemeral port of {@code ip}. */
    static BareJdkServer start(String ip, Path dir) throws IOException {
        // the same socket option a ChordFS node turns on (see FileServer)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer s = HttpServer.create(new InetSocketAddress(ip, 0), 64);
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "bare-jdk-http");
            t.setDaemon(true);
            return t;
        });
        s.setExecutor(pool);
        s.createContext("/", ex -> serve(ex, dir));
        s.start();
        return new BareJdkServer(s, pool);
    }

    URI base() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getHostString() + ":" + a.getPort());
    }

    private static void serve(HttpExchange ex, Path dir) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (!ex.getRequestMethod().equals("GET") || name.isEmpty()) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            try (FileChannel ch = FileChannel.open(dir.resolve(name))) {
                ex.sendResponseHeaders(200, ch.size());
                byte[] buf = new byte[BUFFER];
                try (OutputStream out = ex.getResponseBody()) {
                    for (int n; (n = ch.read(ByteBuffer.wrap(buf))) > 0; ) {
                        out.write(buf, 0, n);
                    }
                }
            } catch (NoSuchFileException e) {
                ex.sendResponseHeaders(404, -1);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
