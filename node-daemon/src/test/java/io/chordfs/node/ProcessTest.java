package io.chordfs.node;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcError;
import io.chordfs.core.rpc.RpcLimits;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.node.store.ObjectReader;
import io.chordfs.node.store.ObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon as separate processes: local mode, SIGTERM and the leave it logs, the secured kill RPC, and kill -9 in the middle of an upload. */
class ProcessTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private static String randomPrefix() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + ".";
    }

    @Test
    void localModeFormsARingServesFilesAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        String prefix = randomPrefix();
        try (NodeProcess local = NodeProcess.start("local", "--nodes", "3", "--first-ip", prefix + "11",
                "--data-root", dir.toString(), "--stabilize-ms", "100")) {
            local.await("ring ready: 3 nodes", 60_000);
            byte[] content = "hello from local mode".getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://" + prefix + "11:5058/hello.txt"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, put.statusCode(), put.body());
            HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create("http://" + prefix + "13:5058/hello.txt")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, get.statusCode());
            assertArrayEquals(content, get.body());
            try (Stream<Path> files = Files.walk(dir)) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("hello.txt")), "the file is in a node's data dir");
            }
            local.process().destroy();
            assertTrue(local.process().waitFor(20, TimeUnit.SECONDS), "SIGTERM stops every node");
        }
    }

    /**
     * The lines of the graceful leave come from the node's shutdown hook; they were lost while the
     * JDK's logging reset its handlers in a shutdown hook of its own. Logback has none.
     */
    @Test
    void sigtermLogsTheLeaveInTheOneLineFormat(@TempDir Path dir) throws Exception {
        String ip = randomPrefix() + "1";
        try (NodeProcess node = NodeProcess.start("run", "--ip", ip, "--data-dir", dir.toString())) {
            node.await("started a new ring", 30_000);
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":5058/kept.txt"))
                    .PUT(HttpRequest.BodyPublishers.ofString("kept")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, put.statusCode(), put.body());
            // SIGTERM through the handle: Process.destroy() would also close the pipe we read the lines from
            assertTrue(node.process().toHandle().destroy());
            assertTrue(node.process().waitFor(30, TimeUnit.SECONDS), "SIGTERM stops the node");
            node.await("leaving: handing 1 objects to []", 5_000);
            String last = node.await("leaving: 1 objects handed over, 0 not", 5_000);
            assertTrue(last.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  Drain " + ip + ":5057#.*"),
                    "ISO time with its offset, level, logger, message: " + last);
        }
    }

    @Test
    void runListensOnItsIpAndAnnouncesTheOneGiven(@TempDir Path dir) throws Exception {
        String prefix = randomPrefix();
        String listen = prefix + "1";
        String announced = prefix + "2";
        try (NodeProcess node = NodeProcess.start("run", "--ip", listen, "--announce", announced,
                "--data-dir", dir.toString());
             RpcClient rpc = new RpcClient(RpcLimits.defaults())) {
            NodeRef self = new NodeRef(announced, 5057, Keys.nodeId(announced, 5057));
            node.await("node " + self + " listening on " + listen, 30_000);
            assertEquals(self, Wire.parseNode("get_info", rpc.callSync(new InetSocketAddress(listen, 5057),
                    ChordNode.GET_INFO, List.of(), Duration.ofSeconds(5))));
        }
    }

    @Test
    void withAClusterSecretTheKillRpcNeedsItAndThenTheNodeExits(@TempDir Path dir) throws Exception {
        String ip = randomPrefix() + "1";
        InetSocketAddress rpc = new InetSocketAddress(ip, PortLayout.CHORD);
        try (NodeProcess node = NodeProcess.start("run", "--ip", ip, "--data-dir", dir.toString(), "--cluster-secret", "s3cret");
             RpcClient client = new RpcClient(RpcLimits.defaults())) {
            node.await("started a new ring", 30_000);
            for (List<Object> params : List.<List<Object>>of(List.of(), List.of("wrong"))) {
                RpcError refused = assertThrows(RpcError.class, () -> client.callSync(rpc, ChordNode.KILL, params));
                assertTrue(refused.getMessage().contains("kill requires the cluster secret"), refused.getMessage());
            }
            assertFalse(node.process().waitFor(300, TimeUnit.MILLISECONDS), "a refused kill must not stop the node");
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":5058/still.txt"))
                    .PUT(HttpRequest.BodyPublishers.ofString("here")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, put.statusCode(), "the node still takes writes: " + put.body());

            assertNull(client.callSync(rpc, ChordNode.KILL, List.of("s3cret")));
            assertTrue(node.process().waitFor(30, TimeUnit.SECONDS), "kill(secret) makes the node leave and exit");
            assertEquals(0, node.process().exitValue());
        }
    }

    @Test
    void killDuringAnUploadLeavesNoPartialObjectAndKeepsAcknowledgedOnes(@TempDir Path dir) throws Exception {
        String ip = randomPrefix() + "1";
        Path data = dir.resolve("data");
        byte[] done = new byte[3 << 20];
        new Random(1).nextBytes(done);
        try (NodeProcess node = NodeProcess.start("run", "--ip", ip, "--data-dir", data.toString())) {
            node.await("started a new ring", 30_000);
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":5058/done.bin"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(done)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, put.statusCode(), put.body());
            try (Socket s = new Socket(ip, 5058)) {
                OutputStream out = s.getOutputStream();
                out.write(("PUT /partial.bin HTTP/1.1\r\nHost: " + ip + "\r\nContent-Length: 50000000\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[1 << 20];
                for (int i = 0; i < 10; i++) {
                    out.write(chunk);
                }
                out.flush();
                Thread.sleep(300);
                node.process().destroyForcibly();
                assertTrue(node.process().waitFor(10, TimeUnit.SECONDS));
            }
        }
        try (ObjectStore store = ObjectStore.open(data, 0)) {
            assertTrue(store.meta("partial.bin").isEmpty(), "an unacknowledged upload must not appear");
            assertFalse(Files.exists(data.resolve("partial.bin")));
            try (Stream<Path> tmp = Files.list(data.resolve(".chordfs").resolve("tmp"))) {
                assertEquals(0, tmp.count(), "no temp files are left after recovery");
            }
            try (ObjectReader r = store.read("done.bin")) {
                r.verify();
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                r.copyTo(out, 0, r.meta().size());
                assertArrayEquals(done, out.toByteArray());
            }
        }
    }
}
