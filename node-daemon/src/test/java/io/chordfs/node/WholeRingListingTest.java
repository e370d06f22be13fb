package io.chordfs.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PercentCodec;
import io.chordfs.node.route.RingListing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /} on any node of a real ring lists every file in it, and names that could spoof it are refused. */
class WholeRingListingTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anyNodeListsEveryFileInTheRingEvenWithAMemberDead(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 5)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String name = "file-" + i + ".txt";
                names.add(name);
                assertEquals(204, NodeHttp.upload(ring.nodes().get(i % 5), name, name.getBytes(StandardCharsets.UTF_8)));
            }
            assertEquals(204, NodeHttp.delete(ring.nodes().get(0), "file-11.txt"));
            List<String> live = names.subList(0, 11).stream().sorted(RingListing.ORDER).toList();

            // A node that holds no copy of file-0.txt lists it, and every other file, from its holders.
            NodeDaemon outsider = ring.outsider("file-0.txt");
            assertFalse(NodeHttp.holds(outsider, "file-0.txt"));
            HttpResponse<String> json = get(outsider, "/", "application/json");
            assertEquals(200, json.statusCode());
            assertEquals(live, names(json.body()), "every live file, sorted, once each");
            JsonNode first = JSON.readTree(json.body()).get(0);
            assertEquals(List.of("name", "size", "modified", "sha256", "version"), fields(first), "the JSON keeps its shape");
            assertEquals(ring.owner("file-0.txt").store().meta("file-0.txt").orElseThrow().version(), first.get("version").asLong());
            assertEquals("5", json.headers().firstValue("X-ChordFS-Listing-Nodes").orElseThrow());
            assertTrue(json.headers().firstValue("X-ChordFS-Listing-Unanswered").isEmpty());
            for (NodeDaemon d : ring.nodes()) {
                assertEquals(live, names(get(d, "/", "application/json").body()), "the same from " + d.self());
            }
            String html = get(outsider, "/", "text/html").body();
            assertTrue(html.contains("<a href=\"/upload\">File Upload</a>"), html);
            assertTrue(html.contains("<li><a href=\"file-0.txt\">file-0.txt</a></li>"), html);
            assertFalse(html.contains("file-11.txt"), "a deleted file is not listed");
            assertFalse(html.contains("<p>"), "a whole listing carries no note: " + html);

            // ?local=1: the node's own copies, which are not all of them
            List<String> own = names(get(outsider, "/?local=1", "application/json").body());
            assertFalse(own.contains("file-0.txt"));
            assertEquals(live.stream().filter(n -> NodeHttp.holds(outsider, n)).toList(), own);

            // One member dies without a goodbye: every file is still listed, from its other replicas.
            NodeDaemon victim = ring.owner("file-0.txt");
            ring.crash(victim);
            long start = System.nanoTime();
            HttpResponse<String> after = get(ring.nodes().get(0), "/", "application/json");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, after.statusCode());
            assertEquals(live, names(after.body()));
            assertTrue(ms < 8_000, "a dead member costs at most its timeout: " + ms + " ms");
        }
    }

    /**
     * With successor lists of 3, a ring of 6 takes calls to walk: the node asks the farthest entry
     * of each list for its own. Right after a member dies it is still in the lists, so the walk asks
     * the entry before it and goes on from there.
     */
    @Test
    void aRingLongerThanASuccessorListIsWalkedRoundPastADeadMember(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.withSuccessorLists(dir, 6, 3)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                names.add("w-" + i);
                assertEquals(204, NodeHttp.upload(ring.nodes().get(i % 6), "w-" + i, new byte[] {(byte) i}));
            }
            names.sort(RingListing.ORDER);
            NodeDaemon from = ring.nodes().get(0);
            HttpResponse<String> all = get(from, "/", "application/json");
            assertEquals(names, names(all.body()));
            assertEquals("6", all.headers().firstValue("X-ChordFS-Listing-Nodes").orElseThrow(), "every member was reached");
            assertTrue(all.headers().firstValue("X-ChordFS-Listing-Partial").isEmpty());

            NodeRef victim = from.chord().node().successors().get(2); // the entry the walk asks first
            ring.crash(ring.nodes().stream().filter(d -> d.self().equals(victim)).findFirst().orElseThrow());
            HttpResponse<String> after = get(from, "/", "application/json");
            assertEquals(200, after.statusCode());
            assertEquals(names, names(after.body()), "every file, from the replicas that are left");
            assertEquals("5", after.headers().firstValue("X-ChordFS-Listing-Nodes").orElseThrow(), "the walk got past it");
            assertTrue(after.headers().firstValue("X-ChordFS-Listing-Partial").isEmpty(), after.headers().map().toString());
        }
    }

    @Test
    void namesThatCouldSpoofAListingAreRefusedAndNothingIsStored(@TempDir Path dir) throws Exception {
        try (TestRing ring = TestRing.start(dir, 3)) {
            for (String name : new String[] {"evil\u202Egnp.exe", "iso\u2066late", "zero\u200Bwidth", "\uFEFFbom"}) {
                for (NodeDaemon via : ring.nodes()) {
                    assertEquals(400, NodeHttp.upload(via, name, new byte[] {1}), name + " through " + via.self());
                    HttpRequest put = HttpRequest.newBuilder(URI.create(TestRing.httpBase(via) + "/"
                            + PercentCodec.quote(name))).PUT(HttpRequest.BodyPublishers.ofString("x")).build();
                    assertEquals(400, HTTP.send(put, HttpResponse.BodyHandlers.discarding()).statusCode());
                }
            }
            for (NodeDaemon d : ring.nodes()) {
                assertTrue(d.store().list().isEmpty(), "nothing stored on " + d.self());
                try (Stream<Path> files = Files.list(d.store().dataDir())) {
                    assertEquals(List.of(".chordfs"), files.map(p -> p.getFileName().toString()).toList());
                }
            }
            assertEquals("[]\n", get(ring.nodes().get(0), "/", "application/json").body());
        }
    }

    private static HttpResponse<String> get(NodeDaemon d, String path, String accept) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(TestRing.httpBase(d) + path)).header("Accept", accept)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> names(String json) throws Exception {
        List<String> out = new ArrayList<>();
        JSON.readTree(json).forEach(o -> out.add(o.get("name").asText()));
        return out;
    }

    private static List<String> fields(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
