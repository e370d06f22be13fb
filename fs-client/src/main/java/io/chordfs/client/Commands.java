package io.chordfs.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chordfs.core.cli.Sizes;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** What each command does, given its parsed arguments ({@link Main}), and how it prints its result. */
final class Commands {
    static final long DEFAULT_CHUNK = 8L << 20;

    /** snake_case keys for every --json result (records' camelCase components included). */
    static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /** Where results go and how: {@code quiet} prints none, {@code json} one JSON value on {@code out}. */
    record Ui(PrintStream out, PrintStream err, boolean quiet, boolean json) {}

    private Commands() {}

    static int upload(RingClient ring, Ui ui, Path file, String name, long chunk, int parallel) throws ClientException {
        if (!Files.isRegularFile(file)) {
            throw new ClientException("no such file: " + file);
        }
        name = name != null ? name : file.getFileName().toString();
        Progress p = progress(ui, "upload " + name, sizeOf(file));
        printUpload(Transfers.upload(ring, file, name, chunk, parallel, p), ui);
        return 0;
    }

    private static void printUpload(Transfers.UploadResult r, Ui ui) {
        if (ui.json()) {
            ui.out().println(JSON.valueToTree(r).toString());
        } else if (!ui.quiet()) {
            ui.out().printf(Locale.ROOT, "uploaded %s: %s in %s (%d sent, %d already there), sha256 %s%n",
                    r.name(), Sizes.format(r.size()), r.chunks() == 0 ? "1 object" : r.chunks() + " chunks",
                    r.uploaded(), r.skipped(), r.sha256());
        }
    }

    /** {@code upload - --name NAME}: what stdin gives until its end. */
    static int uploadStream(RingClient ring, Ui ui, InputStream in, String name, long chunk, int parallel)
            throws ClientException {
        printUpload(Transfers.upload(ring, in, name, chunk, parallel, progress(ui, "upload " + name, 0)), ui);
        return 0;
    }

    /** {@code download NAME -o -}: the file to stdout; the result line, if any, goes to stderr. */
    static int downloadStream(RingClient ring, Ui ui, OutputStream out, String name) throws ClientException {
        Transfers.DownloadResult r = Transfers.download(ring, name, out, progress(ui, "download " + name, 0));
        print(r, "downloaded", new Ui(ui.err(), ui.err(), ui.quiet(), ui.json()));
        return 0;
    }

    static int download(RingClient ring, Ui ui, String name, String output, int parallel) throws ClientException {
        Path target = Transfers.target(name, output);
        Progress p = progress(ui, "download " + name, 0);
        Transfers.DownloadResult r = Transfers.download(ring, name, target, parallel, p);
        print(r, "downloaded", ui);
        return 0;
    }

    static int verify(RingClient ring, Ui ui, String name) throws ClientException {
        Transfers.DownloadResult r = Transfers.verify(ring, name, progress(ui, "verify " + name, 0));
        print(r, "verified", ui);
        return 0;
    }

    static int ls(RingClient ring, Ui ui, boolean human) throws ClientException {
        PrintStream out = ui.out();
        boolean json = ui.json();
        boolean quiet = ui.quiet();
        List<Admin.FileRow> rows = Admin.ls(ring);
        if (json) {
            out.println(JSON.valueToTree(rows).toString());
        } else if (!quiet) {
            out.printf(Locale.ROOT, "%12s  %-24s  %6s  %s%n", "SIZE", "MODIFIED", "CHUNKS", "NAME");
            long total = 0;
            for (Admin.FileRow r : rows) {
                out.printf(Locale.ROOT, "%12s  %-24s  %6s  %s%n", human ? Sizes.format(r.size()) : Long.toString(r.size()), r.modified(),
                        r.chunks() == 0 ? "-" : Integer.toString(r.chunks()), r.name());
                total += r.size();
            }
            out.println(rows.size() + " file" + (rows.size() == 1 ? "" : "s") + ", " + Sizes.format(total));
        }
        return 0;
    }

    static int stat(RingClient ring, Ui ui, String name) throws ClientException {
        PrintStream out = ui.out();
        boolean json = ui.json();
        boolean quiet = ui.quiet();
        Admin.Stat s = Admin.stat(ring, name);
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            o.put("name", s.name());
            o.put("size", s.plainSize());
            o.put("sha256", s.plainSha());
            o.put("owner", RingClient.where(s.owner()));
            o.put("chunked", s.manifest() != null);
            if (s.manifest() != null) {
                o.put("chunk_size", s.manifest().chunkSize());
                o.put("created", s.manifest().created());
                ArrayNode a = o.putArray("chunks");
                for (Admin.ChunkPlace c : s.chunks()) {
                    a.addObject().put("name", c.chunk().name()).put("size", c.chunk().size())
                            .put("sha256", c.chunk().sha256()).put("owner", RingClient.where(c.owner()))
                            .put("state", c.state()).set("copies", JSON.valueToTree(
                                    c.copies().stream().map(RingClient::where).toList()));
                }
            }
            out.println(o.toString());
        } else if (!quiet) {
            out.println("name:    " + s.name());
            out.println("size:    " + s.plainSize() + " (" + Sizes.format(s.plainSize()) + ")");
            out.println("sha256:  " + s.plainSha());
            out.println("owner:   " + RingClient.where(s.owner()) + " (id " + s.owner().id() + ")");
            if (s.manifest() == null) {
                out.println("layout:  one plain object");
            } else {
                out.println("layout:  " + s.chunks().size() + " chunks of " + s.manifest().chunkSize()
                        + " bytes, created " + s.manifest().created());
                out.printf(Locale.ROOT, "  %-40s %10s  %-16s  %-13s %s%n", "CHUNK", "SIZE", "SHA256", "STATE",
                        "WHERE");
                for (Admin.ChunkPlace c : s.chunks()) {
                    out.printf(Locale.ROOT, "  %-40s %10d  %s  %-13s owner %s, copies: %s%n", c.chunk().name(),
                            c.chunk().size(), c.chunk().sha256().substring(0, 16), c.state(),
                            RingClient.where(c.owner()), c.copies().isEmpty() ? "none"
                                    : String.join(" ", c.copies().stream().map(RingClient::where).toList()));
                }
            }
        }
        return s.chunks().stream().allMatch(c -> c.state().equals("ok")) ? 0 : 1;
    }

    static int fsck(RingClient ring, Ui ui, int replicas) throws ClientException {
        PrintStream out = ui.out();
        boolean json = ui.json();
        boolean quiet = ui.quiet();
        List<Fsck.Health> all = Fsck.check(ring, replicas);
        List<Fsck.Health> bad = all.stream().filter(h -> !h.healthy()).toList();
        if (json) {
            out.println(JSON.valueToTree(all).toString());
        } else if (!quiet) {
            for (Fsck.Health h : bad) {
                out.printf(Locale.ROOT, "%s (key %d, version %d): replicas %s%s%s%s%n", h.name(), h.key(),
                        h.version(), String.join(" ", h.replicaSet()),
                        h.missing().isEmpty() ? "" : "; missing on " + String.join(" ", h.missing()),
                        h.stale().isEmpty() ? "" : "; older version on " + String.join(" ", h.stale()),
                        h.extra().isEmpty() ? "" : "; extra copy on " + String.join(" ", h.extra()));
            }
            out.println(all.size() - bad.size() + " of " + all.size() + " objects have their newest version on"
                    + " exactly their replica set" + (bad.isEmpty() ? "" : "; " + bad.size() + " do not"));
        }
        return bad.isEmpty() ? 0 : 1;
    }

    static int gc(RingClient ring, Ui ui, boolean dryRun) throws ClientException {
        PrintStream out = ui.out();
        boolean json = ui.json();
        boolean quiet = ui.quiet();
        List<Admin.Orphan> orphans = Admin.gc(ring, dryRun);
        if (json) {
            out.println(JSON.valueToTree(orphans).toString());
        } else if (!quiet) {
            if (!orphans.isEmpty()) {
                out.printf(Locale.ROOT, "%-22s %12s  %-24s  %-32s  %s%n", "NODE", "SIZE", "LAST USED", "UPLOAD",
                        "CHUNK");
            }
            long bytes = 0;
            for (Admin.Orphan o : orphans) {
                out.printf(Locale.ROOT, "%-22s %12d  %-24s  %-32s  %s%n", o.node(), o.size(), o.lastActive(),
                        o.upload(), o.chunk());
                bytes += o.size();
            }
            out.println(orphans.size() + " abandoned chunk" + (orphans.size() == 1 ? "" : "s") + ", "
                    + Sizes.format(bytes) + (dryRun ? " would be collected" : " collected"));
        }
        return 0;
    }

    static int rm(RingClient ring, Ui ui, String name) throws ClientException {
        PrintStream out = ui.out();
        boolean json = ui.json();
        boolean quiet = ui.quiet();
        int n = Admin.rm(ring, name);
        if (json) {
            out.println(JSON.createObjectNode().put("name", name).put("chunks_deleted", n).toString());
        } else if (!quiet) {
            out.println("deleted " + name + (n > 0 ? " and " + n + " chunks" : ""));
        }
        return 0;
    }

    /**
     * The members from the lowest id, each up or down (remembered in a successor list, not
     * answering); the primary share of the key space of each member that is up, and its effective
     * share: the arcs of it and its {@code replicas} - 1 predecessors, whose copies it holds.
     */
    static int ring(RingClient client, Ui ui, int replicas) throws ClientException {
        List<RingClient.Member> all = new ArrayList<>(client.survey());
        all.sort(Comparator.comparingLong(m -> m.node().id()));
        List<NodeRef> up = all.stream().filter(RingClient.Member::up).map(RingClient.Member::node).toList();
        ArrayNode rows = JSON.createArrayNode();
        for (RingClient.Member m : all) {
            NodeRef n = m.node();
            ObjectNode row = rows.addObject().put("address", n.ip() + ":" + n.port()).put("id", n.id())
                    .put("state", m.up() ? "up" : "down");
            if (m.up()) {
                int k = up.indexOf(n);
                row.put("share", arcs(up, k, 1)).put("effective_share", arcs(up, k, replicas));
                client.stats(n).ifPresent(s -> row.put("objects", s.path("objects").asLong())
                        .put("bytes", s.path("bytes").asLong()).put("used_percent", s.path("used_percent").asDouble()));
            }
        }
        if (ui.json()) {
            ui.out().println(rows.toString());
        } else if (!ui.quiet()) {
            PrintStream out = ui.out();
            out.printf(Locale.ROOT, "%-22s %10s %-5s %8s %8s %9s %12s %7s%n", "ADDRESS", "ID", "STATE", "SHARE",
                    "R=" + replicas, "OBJECTS", "BYTES", "DISK");
            for (var r : rows) {
                boolean stats = r.has("objects");
                out.printf(Locale.ROOT, "%-22s %10d %-5s %8s %8s %9s %12s %7s%n", r.path("address").asText(),
                        r.path("id").asLong(), r.path("state").asText(), percent(r.get("share")),
                        percent(r.get("effective_share")), stats ? r.path("objects").asText() : "-",
                        stats ? Sizes.format(r.path("bytes").asLong()) : "-",
                        stats ? String.format(Locale.ROOT, "%.1f%%", r.path("used_percent").asDouble()) : "-");
            }
            int down = all.size() - up.size();
            out.println(up.size() + " node" + (up.size() == 1 ? "" : "s") + " up" + (down == 0 ? "" : ", " + down + " down"));
        }
        return 0;
    }

    /** The fraction of the key space owned by {@code ring.get(k)} and its {@code count} - 1 predecessors. */
    private static double arcs(List<NodeRef> ring, int k, int count) {
        int n = ring.size();
        if (count >= n) {
            return 1.0;
        }
        NodeRef from = ring.get(((k - count) % n + n) % n);
        return (double) Ring.distance(from.id(), ring.get(k).id()) / Ring.SIZE;
    }

    private static String percent(com.fasterxml.jackson.databind.JsonNode fraction) {
        return fraction == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * fraction.asDouble());
    }

    static int lookup(RingClient ring, Ui ui, String name) throws ClientException {
        long key = Keys.key(name);
        NodeRef owner = ring.owner(name);
        if (ui.json()) {
            ui.out().println(JSON.createObjectNode().put("name", name).put("key", key)
                    .put("owner", owner.ip() + ":" + owner.port()).put("owner_id", owner.id()).toString());
        } else if (!ui.quiet()) {
            ui.out().println(name + "  key " + key + "  owner " + owner.ip() + ":" + owner.port() + " (id " + owner.id() + ")");
        }
        return 0;
    }

    private static void print(Transfers.DownloadResult r, String verb, Ui ui) {
        PrintStream out = ui.out();
        if (ui.json()) {
            ObjectNode o = JSON.valueToTree(r);
            o.put("path", r.path() == null ? null : r.path().toString());
            out.println(o.toString());
        } else if (!ui.quiet()) {
            out.printf(Locale.ROOT, "%s %s: %s, %s (%d fetched, %d reused), sha256 %s%s%n", verb, r.name(),
                    Sizes.format(r.size()), r.chunks() == 0 ? "1 object" : r.chunks() + " chunks", r.fetched(),
                    r.reused(), r.sha256(), r.path() == null ? "" : " -> " + r.path());
        }
    }

    private static long sizeOf(Path f) {
        try {
            return Files.size(f);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static Progress progress(Ui ui, String label, long total) {
        return new Progress(ui.err(), !ui.quiet() && !ui.json() && Progress.terminal(), label, total);
    }
}
