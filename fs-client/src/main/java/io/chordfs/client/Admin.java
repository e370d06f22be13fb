package io.chordfs.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.ObjectNames;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** ls, stat and rm. */
final class Admin {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CHUNK = Pattern.compile("(.+)_chunk_([1-9][0-9]*)");

    private Admin() {}

    /** One object in a node's listing. */
    record Entry(String name, long size, String modified, String sha256, long version) {}

    /** One file as {@code ls} shows it: chunked files with their real size and chunk count. */
    record FileRow(String name, long size, String modified, int chunks, String sha256) {}

    /** Every live object in the ring but chunk objects, newest version of each name. */
    static Map<String, Entry> objects(RingClient ring) throws ClientException {
        Map<String, Entry> all = new TreeMap<>();
        for (NodeRef n : ring.members()) {
            for (Entry e : listing(ring, n)) {
                if (ObjectNames.isInternal(e.name())) {
                    continue;
                }
                Entry had = all.get(e.name());
                if (had == null || had.version() < e.version()) {
                    all.put(e.name(), e);
                }
            }
        }
        return all;
    }

    /** The live objects one node holds, chunk objects included. */
    static List<Entry> listing(RingClient ring, NodeRef n) throws ClientException {
        String body;
        try {
            body = ring.listing(n);
        } catch (IOException e) {
            throw new ClientException("cannot list " + RingClient.where(n) + ": " + e.getMessage());
        }
        List<Entry> out = new ArrayList<>();
        try {
            for (JsonNode o : JSON.readTree(body)) {
                out.add(new Entry(o.path("name").asText(), o.path("size").asLong(), o.path("modified").asText(),
                        o.path("sha256").asText(), o.path("version").asLong()));
            }
        } catch (IOException e) {
            throw new ClientException("bad listing from " + RingClient.where(n) + ": " + e.getMessage());
        }
        return out;
    }

    /**
     * Files in the ring: a name with a {@code _chunk_1} beside it and a manifest under it is shown
     * once, with the file's size from the manifest; its chunks are folded into it. Other chunks
     * (orphans of an unfinished upload) are shown as the objects they are.
     */
    static List<FileRow> ls(RingClient ring) throws ClientException {
        Map<String, Entry> all = objects(ring);
        Map<String, Manifest> manifests = new TreeMap<>();
        for (Entry e : all.values()) {
            if (all.containsKey(Manifest.chunkName(e.name(), 1)) && e.size() <= Manifest.MAX_BYTES) {
                Transfers.manifestOf(ring, e.name()).ifPresent(m -> manifests.put(e.name(), m));
            }
        }
        List<FileRow> rows = new ArrayList<>();
        for (Entry e : all.values()) {
            Matcher mm = CHUNK.matcher(e.name());
            if (mm.matches()) {
                Manifest owner = manifests.get(mm.group(1));
                if (owner != null && Integer.parseInt(mm.group(2)) <= owner.chunks().size()) {
                    continue;
                }
            }
            Manifest m = manifests.get(e.name());
            rows.add(m == null ? new FileRow(e.name(), e.size(), e.modified(), 0, e.sha256())
                    : new FileRow(e.name(), m.size(), e.modified(), m.chunks().size(), m.sha256()));
        }
        return rows;
    }

    /** Where a chunk lives: its owner, the nodes holding a copy with the manifest's checksum, and a state. */
    record ChunkPlace(Manifest.Chunk chunk, NodeRef owner, List<NodeRef> copies, String state) {}

    record Stat(String name, Manifest manifest, NodeRef owner, long plainSize, String plainSha, List<ChunkPlace> chunks) {}

    /** name -> (node -> sha256) over every member's local listing. */
    static Map<String, Map<NodeRef, String>> copies(RingClient ring) throws ClientException {
        Map<String, Map<NodeRef, String>> out = new java.util.HashMap<>();
        for (NodeRef n : ring.members()) {
            try {
                for (JsonNode o : JSON.readTree(ring.listing(n))) {
                    out.computeIfAbsent(o.path("name").asText(), k -> new java.util.LinkedHashMap<>())
                            .put(n, o.path("sha256").asText());
                }
            } catch (IOException e) {
                // an unreachable member: its copies are simply not shown
            }
        }
        return out;
    }

    static Stat stat(RingClient ring, String name) throws ClientException {
        Transfers.checkName(name);
        NodeRef owner = ring.owner(name);
        Optional<Transfers.Stored> s = Transfers.stored(ring, name);
        if (s.isEmpty()) {
            throw new ClientException("no such file: " + name);
        }
        if (s.get().manifest() == null) {
            var r = s.get().plain();
            try {
                r.body().close();
            } catch (IOException ignored) {
                // done with it
            }
            return new Stat(name, null, owner, r.length(), r.etag().orElse(""), List.of());
        }
        Manifest m = s.get().manifest();
        Map<String, Map<NodeRef, String>> where = copies(ring);
        List<ChunkPlace> places = new ArrayList<>();
        for (Manifest.Chunk c : m.chunks()) {
            NodeRef o = ring.owner(c.name());
            Map<NodeRef, String> held = where.getOrDefault(c.name(), Map.of());
            List<NodeRef> good = held.entrySet().stream().filter(e -> e.getValue().equalsIgnoreCase(c.sha256()))
                    .map(Map.Entry::getKey).toList();
            String state = !good.isEmpty() ? "ok" : held.isEmpty() ? "MISSING" : "WRONG-VERSION";
            places.add(new ChunkPlace(c, o, good, state));
        }
        return new Stat(name, m, owner, m.size(), m.sha256(), places);
    }

    /** Deletes the manifest first (the file disappears at once), then its chunks; returns chunks deleted. */
    static int rm(RingClient ring, String name) throws ClientException {
        Transfers.checkName(name);
        Optional<Manifest> m = Transfers.manifestOf(ring, name);
        try {
            if (!Transfers.deleteWithFallback(ring, name)) {
                throw new ClientException("no such file: " + name);
            }
        } catch (IOException e) {
            throw new ClientException("cannot delete " + name + ": " + e.getMessage());
        }
        int deleted = 0;
        if (m.isPresent()) {
            List<String> failed = new ArrayList<>();
            for (Manifest.Chunk c : m.get().chunks()) {
                try {
                    if (Transfers.deleteWithFallback(ring, c.name())) {
                        deleted++;
                    }
                } catch (IOException | ClientException e) {
                    failed.add(c.name());
                }
            }
            if (!failed.isEmpty()) {
                throw new ClientException(name + " is deleted, but " + failed.size() + " chunk(s) could not be: "
                        + String.join(", ", failed.subList(0, Math.min(5, failed.size()))));
            }
        }
        return deleted;
    }
}
