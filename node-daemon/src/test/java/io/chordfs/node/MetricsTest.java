package io.chordfs.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /.chordfs/metrics} of a ring member, read by the official Python client's text
 * parser (prometheus_client.parser), as Prometheus itself would scrape it.
 */
class MetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Parses stdin with the real parser and prints {"family": {"type": ..., "samples": [[name, labels, value]]}}. */
    private static final String PARSE = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for fam in text_string_to_metric_families(sys.stdin.read()):
                out[fam.name] = {"type": fam.type, "samples": [[s.name, s.labels, s.value] for s in fam.samples]}
            print(json.dumps(out))
            """;

    @Test
    void requestsBytesAndObjectsAsPrometheusParsesThem(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            ring.awaitConsistent();
            NodeDaemon a = ring.nodes().get(0);
            String http = Integer.toString(PortLayout.http(a.self().port()));
            JsonNode before = scrape(a);
            double puts = requests(before, http, "PUT", "201");
            byte[] content = "counted\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
            assertEquals(201, NodeHttp.put(a, "m.txt", content).statusCode());
            assertEquals(200, NodeHttp.get(a, "m.txt").statusCode());
            assertEquals(404, NodeHttp.get(a, "absent.txt").statusCode());

            JsonNode after = scrape(a);
            assertEquals(puts + 1, requests(after, http, "PUT", "201"));
            assertTrue(requests(after, http, "GET", "200") >= 1, "the GET of m.txt");
            assertTrue(requests(after, http, "GET", "404") >= 1, "the GET of absent.txt");
            assertEquals("histogram", after.path("chordfs_http_request_duration_seconds").path("type").asText());
            assertTrue(value(after, "chordfs_http_body_received_bytes", "chordfs_http_body_received_bytes_total", http)
                    >= content.length);
            assertTrue(value(after, "chordfs_http_body_sent_bytes", "chordfs_http_body_sent_bytes_total", http)
                    >= content.length);
            // R = 3 on three nodes: every node holds m.txt, and the owner sent it over 5059
            assertTrue(value(after, "chordfs_store_objects", "chordfs_store_objects", null) >= 1);
            assertTrue(value(after, "chordfs_store_bytes", "chordfs_store_bytes", null) >= content.length);
            assertEquals(1, value(after, "chordfs_ring_member", "chordfs_ring_member", null));
            assertEquals(2, value(after, "chordfs_ring_successors", "chordfs_ring_successors", null));
            assertTrue(after.has("jvm_memory_used_bytes"), "JVM metrics");
            // the ring's members stabilise through each other's Chord ports, and a's successors changed as it formed
            assertTrue(value(after, "chordfs_rpc_calls", "chordfs_rpc_calls_total", null) >= 1);
            assertEquals("counter", after.path("chordfs_rpc_failed_calls").path("type").asText());
            assertTrue(value(after, "chordfs_ring_successor_changes", "chordfs_ring_successor_changes_total", null) >= 1);
            assertEquals("counter", after.path("chordfs_repair_pushed_objects").path("type").asText());
            // the transfer port's requests are counted under its own port
            double peer = 0;
            for (NodeDaemon d : ring.nodes()) {
                for (JsonNode s : scrape(d).path("chordfs_http_requests").path("samples")) {
                    if (s.get(1).path("port").asText().equals(Integer.toString(PortLayout.peer(d.self().port())))) {
                        peer += s.get(2).asDouble();
                    }
                }
            }
            assertTrue(peer >= 2, "the replicas' prepares and commits on 5059: " + peer);
        }
    }

    private static double requests(JsonNode families, String port, String method, String status) {
        double sum = 0;
        for (JsonNode s : families.path("chordfs_http_requests").path("samples")) {
            JsonNode labels = s.get(1);
            if (s.get(0).asText().equals("chordfs_http_requests_total") && labels.path("port").asText().equals(port)
                    && labels.path("method").asText().equals(method) && labels.path("status").asText().equals(status)) {
                sum += s.get(2).asDouble();
            }
        }
        return sum;
    }

    private static double value(JsonNode families, String family, String sample, String port) {
        for (JsonNode s : families.path(family).path("samples")) {
            if (s.get(0).asText().equals(sample) && (port == null || s.get(1).path("port").asText().equals(port))) {
                return s.get(2).asDouble();
            }
        }
        throw new AssertionError("no sample " + sample + " in " + families.path(family));
    }

    private static JsonNode scrape(NodeDaemon d) throws Exception {
        HttpResponse<String> r = NodeHttp.send(d, "GET", "/.chordfs/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        Path python = Path.of(System.getProperty("chordfs.python", "../.venv/bin/python"));
        assertTrue(Files.isExecutable(python), "no Python at " + python + ": run scripts/setup-python");
        Process p = new ProcessBuilder(python.toString(), "-c", PARSE).start();
        try (var in = p.getOutputStream()) {
            in.write(r.body().getBytes(StandardCharsets.UTF_8));
        }
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "the Prometheus parser refused the scrape: " + err);
        return JSON.readTree(out);
    }
}
