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
            for (Entry e : listing(ring, n, true)) {
                Entry had = all.get(e.name());
                if (had == null || had.version() < e.version()) {
                    all.put(e.name(), e);
                }
            }
        }
        return all;
    }

    /** The live objects one node holds (files only). */
    static List<Entry> listing(RingClient ring, NodeRef n) throws ClientException {
        return listing(ring, n, false);
    }

    /** The live objects one node holds, chunk objects of uploads too when {@code withChunks}. */
    static List<Entry> listing(RingClient ring, NodeRef n, boolean withChunks) throws ClientException {
        String body;
        try {
            body = ring.listing(n, withChunks);
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
        java.util.Set<String> withChunkObjects = new java.util.HashSet<>();
        for (String o : all.keySet()) {
            ObjectNames.parse(o).ifPresent(c -> withChunkObjects.add(c.file()));
        }
        for (Entry e : all.values()) {
            if (e.size() <= Manifest.MAX_BYTES
                    && (withChunkObjects.contains(e.name()) || all.containsKey(Manifest.chunkName(e.name(), 1)))) {
                Transfers.manifestOf(ring, e.name()).ifPresent(m -> manifests.put(e.name(), m));
            }
        }
        List<FileRow> rows = new ArrayList<>();
        for (Entry e : all.values()) {
            if (ObjectNames.isInternal(e.name())) {
                continue;
            }
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

    /** object name -> (node -> sha256) over every member's local listing, chunk objects included. */
    static Map<String, Map<NodeRef, String>> copies(RingClient ring) throws ClientException {
        Map<String, Map<NodeRef, String>> out = new java.util.HashMap<>();
        for (NodeRef n : ring.members()) {
            try {
                for (JsonNode o : JSON.readTree(ring.listing(n, true))) {
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
        for (int i = 0; i < m.chunks().size(); i++) {
            Manifest.Chunk c = m.chunks().get(i);
            NodeRef o = ring.owner(c.name());
            Map<NodeRef, String> held = where.getOrDefault(m.chunkObject(i), Map.of());
            List<NodeRef> good = held.entrySet().stream().filter(e -> e.getValue().equalsIgnoreCase(c.sha256()))
                    .map(Map.Entry::getKey).toList();
            String state = !good.isEmpty() ? "ok" : held.isEmpty() ? "MISSING" : "WRONG-VERSION";
            places.add(new ChunkPlace(c, o, good, state));
        }
        return new Stat(name, m, owner, m.size(), m.sha256(), places);
    }

    /** A chunk object of an abandoned upload that a node collected, or would collect. */
    record Orphan(String node, String chunk, String file, String upload, long size, String lastActive) {}

    /** Runs (or with {@code dryRun} only asks for) the collection of abandoned uploads on every member. */
    static List<Orphan> gc(RingClient ring, boolean dryRun) throws ClientException {
        List<Orphan> out = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (NodeRef n : ring.members()) {
            try {
                for (JsonNode o : ring.gc(n, dryRun).path("orphans")) {
                    String chunk = ObjectNames.parse(o.path("name").asText()).map(ObjectNames.ChunkObject::chunkName)
                            .orElse(o.path("name").asText());
                    out.add(new Orphan(RingClient.where(n), chunk, o.path("file").asText(), o.path("upload").asText(),
                            o.path("size").asLong(), o.path("last_active").asText()));
                }
            } catch (IOException e) {
                failed.add(RingClient.where(n) + ": " + e.getMessage());
            }
        }
        if (!failed.isEmpty()) {
            throw new ClientException("collection failed on " + String.join("; ", failed));
        }
        return out;
    }

    /**
     * Deletes a file; its owner deletes the chunks of a chunked file (only its own: a chunk is
     * an object of the file's upload). Returns how many chunks the file had.
     */
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
        return m.map(x -> x.chunks().size()).orElse(0);
    }
}
