package io.chordfs.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code node-daemon local} with the autoscaler, as a separate process: uploads push the average
 * used % over the threshold, nodes are added up to --max-nodes, and every file stays readable.
 *
 * <p>With R = 3 and at most 3 nodes every node holds every file, so adding a node does not lower
 * the usage of the others: the average stays above the threshold and the ring grows to the
 * maximum, which is what lets the test also see the maximum hold.
 */
class LocalAutoscalerProcessTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void uploadsOverTheThresholdAddNodesUpToTheMaximumAndEveryFileStaysReadable(@TempDir Path dir) throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String prefix = "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + ".";
        try (NodeProcess local = NodeProcess.start("local", "--nodes", "1", "--max-nodes", "3", "--first-ip", prefix + "11",
                "--data-root", dir.toString(), "--capacity", "1MiB", "--threshold", "30", "--period", "500ms",
                "--stabilize-ms", "100")) {
            local.await("ring ready: 1 nodes", 60_000);
            local.await("Autoscaler: every 500 ms, average used % above 30% for 2 periods starts one more node, up to 3", 5_000);

            // 4 x 100 KiB = 400 KiB of a 1 MiB quota: about 39 %, above the 30 % threshold.
            Map<String, byte[]> files = new LinkedHashMap<>();
            Random random = new Random(6);
            for (int i = 0; i < 4; i++) {
                byte[] content = new byte[100 * 1024];
                random.nextBytes(content);
                String name = "f" + i + ".bin";
                HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://" + prefix + "11:5058/" + name))
                        .timeout(Duration.ofSeconds(30)).PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(201, put.statusCode(), put.body());
                files.put(name, content);
            }

            String decision = local.await(": starting node " + prefix + "12", 20_000);
            assertTrue(decision.matches("average \\d+\\.\\d% > 30% for 2 periods: starting node " + prefix.replace(".", "\\.") + "12"),
                    decision);
            double average = Double.parseDouble(decision.substring("average ".length(), decision.indexOf('%')));
            assertTrue(average > 30 && average < 60, "one node holding 400 KiB of 1 MiB: " + decision);
            local.await("node " + prefix + "12 joined the ring: 2 nodes", 30_000);
            HttpResponse<String> listing = http.send(HttpRequest.newBuilder(URI.create("http://" + prefix + "12:5058/"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, listing.statusCode(), "the new node answers on its file port");

            // The usage stays high (every node holds every file), so the ring grows to --max-nodes and stops there.
            local.await(": starting node " + prefix + "13", 30_000);
            local.await("node " + prefix + "13 joined the ring: 3 nodes", 30_000);
            local.await("3 nodes run already (--max-nodes 3): not starting a node", 30_000);
            assertThrows(ConnectException.class, () -> http.send(HttpRequest.newBuilder(URI.create("http://" + prefix + "14:5058/"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()), "no fourth node");

            for (String node : List.of(prefix + "11", prefix + "12", prefix + "13")) {
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create("http://" + node + ":5058/" + f.getKey()))
                            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, get.statusCode(), f.getKey() + " from " + node);
                    assertArrayEquals(f.getValue(), get.body(), f.getKey() + " from " + node);
                }
            }
        }
    }
}
