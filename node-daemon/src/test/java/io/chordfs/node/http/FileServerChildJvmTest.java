package io.chordfs.node.http;

import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Tests that need a JVM of their own: a heap (and so direct memory) too small to hold an upload. */
class FileServerChildJvmTest {
    static final String B = "----chordfsChildBoundary";

    @TempDir
    Path dir;
    Process child;
    Path childLog;
    @AfterEach
    void stop() throws Exception {
        stopChild();
    }

    void stopChild() throws Exception {
        if (child != null) {
            child.getOutputStream().close();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
            child = null;
        }
    }

    int startChild(String... jvmArgs) throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        childLog = dir.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-Xshare:auto", "-cp", cp, ChildServer.class.getName(), data.toString()));
        child = new ProcessBuilder(cmd).redirectError(childLog.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String first = line.get(30, TimeUnit.SECONDS);
        if (first == null || !first.startsWith("PORT ")) {
            throw new AssertionError("child server did not start: " + first + "\n" + Files.readString(childLog));
        }
        return Integer.parseInt(first.substring(5).strip());
    }

    /**
     * A 64 MiB multipart upload into a server whose whole heap is 32 MiB: it can only succeed if
     * the part streams to disk. Stored and served back with the exact SHA-256.
     */
    @Test
    void largeUploadFitsInASmallHeap() throws Exception {
        int port = startChild("-Xmx32m", "-XX:+UseSerialGC");
        URI base = URI.create("http://127.0.0.1:" + port);
        long size = 64L << 20;
        byte[] head = ("--" + B + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.bin\"\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = ("\r\n--" + B + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        Multipart.GeneratedBody body = new Multipart.GeneratedBody(head, size, tail, 99, sent);
        HttpResponse<String> r = Fixture.HTTP.send(HttpRequest.newBuilder(base.resolve("/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + B)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), body.length()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode(), r.body() + "\n" + Files.readString(childLog));
        String expected = HexFormat.of().formatHex(sent.digest());

        HttpResponse<InputStream> down = Fixture.HTTP.send(HttpRequest.newBuilder(base.resolve("/big.bin")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, down.statusCode());
        Fixture.assertStreamed(down.body(), size, expected);

        stopChild();
        try (ObjectStore store = ObjectStore.open(dir.resolve("data"), 0)) {
            ObjectMeta meta = store.meta("big.bin").orElseThrow();
            assertEquals(size, meta.size());
            assertEquals(expected, meta.sha256());
        }
    }
}
