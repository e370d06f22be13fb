package io.chordfs.node.http;

import io.chordfs.node.route.LocalRouter;
import io.chordfs.node.route.ObjectRouter;
import io.chordfs.node.route.RingListing;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Test helper: a store in a temp dir, a FileServer on 127.0.0.1:ephemeral, an HTTP/1.1 client. */
final class Fixture implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    final Path dir;
    final ObjectStore store;
    final FileServer server;
    final URI base;

    private Fixture(Path dir, ObjectStore store, FileServer server) {
        this.dir = dir;
        this.store = store;
        this.server = server;
        this.base = URI.create("http://127.0.0.1:" + server.address().getPort());
    }

    static Fixture start(Path dir, long capacity, FileServer.Options options) throws IOException {
        ObjectStore store = ObjectStore.open(dir, capacity);
        return start(dir, store, new LocalRouter(store), options);
    }

    static Fixture start(Path dir, ObjectStore store, ObjectRouter router, FileServer.Options options) throws IOException {
        try {
            return new Fixture(dir, store, FileServer.start(new InetSocketAddress("127.0.0.1", 0), store, router,
                    RingListing.alone(store), options));
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    int port() {
        return server.address().getPort();
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) throws IOException {
        return send(base, method, path, body, headers);
    }

    static HttpResponse<byte[]> send(URI base, String method, String path, byte[] body, String... headers)
            throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    HttpResponse<byte[]> get(String path, String... headers) throws IOException {
        return send("GET", path, null, headers);
    }

    HttpResponse<byte[]> upload(Multipart.Builder mb, String... headers) throws IOException {
        return upload("POST", mb.build(), mb, headers);
    }

    HttpResponse<byte[]> upload(String method, byte[] body, Multipart.Builder mb, String... headers) throws IOException {
        String[] all = Stream.concat(Stream.of("Content-Type", mb.contentType()), Stream.of(headers)).toArray(String[]::new);
        return send(method, "/upload", body, all);
    }

    /** The stored bytes of a live object, read through the store (verified). */
    byte[] stored(String name) throws IOException {
        try (ObjectReader r = store.read(name)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            r.copyTo(out, 0, r.meta().size());
            return out.toByteArray();
        }
    }

    List<String> liveNames() {
        return store.list().stream().filter(m -> !m.tombstone()).map(ObjectMeta::name).sorted().toList();
    }

    /** Visible files in the data directory (the store's hidden folder excluded). */
    List<String> visibleFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    /** Files in the store's temp folder (leftovers of uploads). */
    /**
     * The staged temp files left, given up to 5 s to go: a cut-off or failed upload's file is
     * deleted on a worker just after its connection closes, so the client may see the close first.
     */
    List<String> tempFiles() throws IOException, InterruptedException {
        Path tmp = dir.resolve(".chordfs").resolve("tmp");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            if (!Files.isDirectory(tmp)) {
                return List.of();
            }
            List<String> left;
            try (Stream<Path> s = Files.list(tmp)) {
                left = s.map(p -> p.getFileName().toString()).toList();
            }
            if (left.isEmpty() || System.nanoTime() > deadline) {
                return left;
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        server.close();
        store.close();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /**
     * Sends raw bytes on a new connection and reads until the server closes it or the timeout
     * passes; returns what came back (empty when the server closed without answering).
     */
    static byte[] raw(int port, byte[] request, Duration timeout) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) timeout.toMillis());
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the server may close before reading it all; read what it said
            }
            return readUntilClose(s.getInputStream());
        }
    }

    /** Asserts that the server closes {@code s} within {@code ms} without (more of) an answer. */
    static void assertClosedWithin(Socket s, int ms) throws IOException {
        s.setSoTimeout(ms);
        try {
            int r = s.getInputStream().read();
            org.junit.jupiter.api.Assertions.assertEquals(-1, r, "closed without an answer");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after " + ms + " ms", e);
        } catch (IOException e) {
            // reset: closed
        }
    }

    static byte[] readUntilClose(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed the connection; got: "
                    + new String(got.toByteArray(), StandardCharsets.ISO_8859_1), e);
        } catch (IOException e) {
            // reset by the server: what arrived before counts
        }
        return got.toByteArray();
    }

    /** Reads a streamed body to the end and asserts its length and SHA-256 (hex), never holding it whole. */
    static void assertStreamed(InputStream body, long size, String sha256) throws Exception {
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long n = 0;
        try (InputStream in = body) {
            byte[] buf = new byte[1 << 16];
            int k;
            while ((k = in.read(buf)) >= 0) {
                got.update(buf, 0, k);
                n += k;
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(size, n);
        org.junit.jupiter.api.Assertions.assertEquals(sha256, java.util.HexFormat.of().formatHex(got.digest()));
    }
}
