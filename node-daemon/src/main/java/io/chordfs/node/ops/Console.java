package io.chordfs.node.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.node.route.RingListing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The console page ({@code GET /.chordfs/}) and the status it polls ({@code /.chordfs/status.json}):
 * the members a walk of successor lists finds, each with its {@code /.chordfs/stats}, plus the
 * members this node saw before that no longer answer (down), and what changed. See
 * docs/operations.md.
 */
public final class Console {
    /** Members remembered, so one that stops answering shows as down instead of vanishing. */
    static final int MAX_REMEMBERED = 1_000;
    static final long FORGET_MILLIS = 10 * 60_000;
    static final int MAX_EVENTS = 50;
    /** A status this fresh is answered again: many open pages cost one walk a second. */
    static final long FRESH_MILLIS = 1_000;
    private static final Duration STATS_TIMEOUT = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private static final byte[] PAGE = page();

    private final ChordService chord;
    private final RingListing listing;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(STATS_TIMEOUT).build();
    // guarded by this
    private final Map<NodeRef, Long> lastSeen = new LinkedHashMap<>();
    private final Set<NodeRef> up = new HashSet<>();
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private Status last;
    private long lastAt;

    /** One member as the page shows it; the numbers are null when its stats did not come. */
    public record Member(String address, long id, String state, Long objects, Long bytes, Double usedPercent) {}

    public record Event(String time, String what) {}

    /** @param space the size of the id space (ids go round from 0 to space - 1) */
    public record Status(String self, long space, String generated, boolean wholeRing, List<Member> members,
                         List<Event> events) {}

    /** @param basicAuth the node's own {@code user:password} for its peers' stats (a ring shares them), or null */
    public Console(ChordService chord, RingListing listing, String basicAuth) {
        this.chord = chord;
        this.listing = listing;
        this.authorization = basicAuth == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(basicAuth.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static byte[] page() {
        try (InputStream in = Console.class.getResourceAsStream("console.html")) {
            if (in == null) {
                throw new IllegalStateException("console.html is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] pageBytes() {
        return PAGE;
    }

    /** Writes the status as JSON (snake_case keys). */
    public void writeStatus(OutputStream out) throws IOException {
        JSON.writeValue(out, status());
    }

    synchronized Status status() throws IOException {
        long now = System.currentTimeMillis();
        if (last != null && now - lastAt < FRESH_MILLIS) {
            return last;
        }
        NodeRef self = chord.self();
        List<NodeRef> answering = new ArrayList<>(List.of(self));
        boolean whole = false;
        if (chord.node().inRing()) {
            RingListing.Walk walk = listing.members();
            answering.addAll(walk.peers());
            whole = walk.complete();
        }
        Set<NodeRef> known = new HashSet<>(lastSeen.keySet());
        Map<NodeRef, CompletableFuture<JsonNode>> stats = new LinkedHashMap<>();
        for (NodeRef n : answering) {
            stats.put(n, stats(n));
        }
        List<Member> members = new ArrayList<>();
        Set<NodeRef> nowUp = new HashSet<>();
        for (Map.Entry<NodeRef, CompletableFuture<JsonNode>> e : stats.entrySet()) {
            NodeRef n = e.getKey();
            JsonNode s = e.getValue().join();
            if (s != null) {
                nowUp.add(n);
                lastSeen.put(n, now);
                members.add(new Member(address(n), n.id(), "up", s.path("objects").asLong(), s.path("bytes").asLong(),
                        s.path("used_percent").asDouble()));
            }
        }
        for (Iterator<Map.Entry<NodeRef, Long>> it = lastSeen.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<NodeRef, Long> e = it.next();
            if (now - e.getValue() > FORGET_MILLIS || lastSeen.size() > MAX_REMEMBERED) {
                it.remove();
            } else if (!nowUp.contains(e.getKey())) {
                members.add(new Member(address(e.getKey()), e.getKey().id(), "down", null, null, null));
            }
        }
        for (NodeRef n : nowUp) {
            if (!up.contains(n)) {
                event(now, address(n) + (last == null ? " is up" : known.contains(n) ? " answers again" : " joined"));
            }
        }
        for (NodeRef n : up) {
            if (!nowUp.contains(n)) {
                event(now, address(n) + " stopped answering");
            }
        }
        up.clear();
        up.addAll(nowUp);
        members.sort(Comparator.comparingLong(Member::id));
        last = new Status(address(self), 1L << 32, Instant.ofEpochMilli(now).toString(), whole, members,
                List.copyOf(events));
        lastAt = now;
        return last;
    }

    private void event(long now, String what) {
        events.addFirst(new Event(Instant.ofEpochMilli(now).toString(), what));
        while (events.size() > MAX_EVENTS) {
            events.removeLast();
        }
    }

    /** A member's /.chordfs/stats, or null when it does not answer in time. */
    private CompletableFuture<JsonNode> stats(NodeRef n) {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                URI.create("http://" + n.ip() + ":" + PortLayout.http(n.port()) + "/.chordfs/stats")).timeout(STATS_TIMEOUT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(r -> {
                    try {
                        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
                    } catch (IOException e) {
                        return null;
                    }
                })
                .exceptionally(e -> null);
    }

    private static String address(NodeRef n) {
        return n.ip() + ":" + n.port();
    }
}
