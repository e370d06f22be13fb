package io.chordfs.node;

import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PercentCodec;
import io.chordfs.node.store.ObjectMeta;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What tests do to nodes over their file port, as clients would. */
final class NodeHttp {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private NodeHttp() {}

    /** A multipart upload of one file, as uploadserver's clients send it; returns the status. */
    static int upload(NodeDaemon via, String name, byte[] content) throws Exception {
        String boundary = "----chordfs" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + name
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + content.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(content, 0, body, head.length, content.length);
        System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
        HttpRequest req = HttpRequest.newBuilder(URI.create(TestRing.httpBase(via) + "/upload"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static HttpResponse<byte[]> get(NodeDaemon via, String name, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(TestRing.httpBase(via) + "/" + PercentCodec.quote(name)))
                .timeout(Duration.ofSeconds(60));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A request to a node's file port with any method, path (as sent) and headers; the answer as text. */
    static HttpResponse<String> send(NodeDaemon via, String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(TestRing.httpBase(via) + path))
                .timeout(Duration.ofSeconds(60)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A raw {@code PUT /name} with extra headers (name, value, ...): the answer, with its error page as the body. */
    static HttpResponse<String> put(NodeDaemon via, String name, byte[] content, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(TestRing.httpBase(via) + "/" + PercentCodec.quote(name)))
                .timeout(Duration.ofSeconds(60)).PUT(HttpRequest.BodyPublishers.ofByteArray(content));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static int delete(NodeDaemon via, String name) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(TestRing.httpBase(via) + "/" + PercentCodec.quote(name)))
                .timeout(Duration.ofSeconds(60)).DELETE().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** True when the node holds a live copy of {@code name}. */
    static boolean holds(NodeDaemon d, String name) {
        Optional<ObjectMeta> m = d.store().meta(name);
        return m.isPresent() && !m.get().tombstone();
    }

    /** True when exactly the replica set of {@code name} holds it. */
    static boolean onExactlyItsReplicaSet(TestRing ring, String name) {
        var set = ring.replicaSet(name);
        return ring.nodes().stream().allMatch(d -> holds(d, name) == set.contains(d));
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting until " + what);
            Thread.sleep(50);
        }
    }
}
