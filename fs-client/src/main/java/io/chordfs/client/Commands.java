package io.chordfs.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chordfs.core.cli.Args;
import io.chordfs.core.cli.HostPort;
import io.chordfs.core.cli.Sizes;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The file commands: upload, download, verify, ls, stat, rm. */
final class Commands {
    static final long DEFAULT_CHUNK = 8L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Commands() {}

    static int run(String cmd, Args args, PrintStream out, PrintStream err) throws Args.UsageException {
        List<String> w = args.positional();
        boolean quiet = args.has("--quiet");
        boolean json = args.has("--json");
        int parallel = args.getInt("--parallel", 4, 1, 64);
        long chunk = args.has("--chunk-size") ? Sizes.parse(args.get("--chunk-size", "")) : DEFAULT_CHUNK;
        if (chunk < 1 || chunk > Transfers.MAX_CHUNK) {
            throw new Args.UsageException("--chunk-size must be 1 B to 256 MiB");
        }
        switch (cmd) {
            case "upload" -> expect(w, 2, "upload FILE IP[:PORT] [--name NAME] [--chunk-size 8MiB] [--parallel N]");
            case "download" -> expect(w, 2, "download NAME IP[:PORT] [-o PATH]");
            case "ls" -> expect(w, 1, "ls IP[:PORT]");
            case "fsck" -> expect(w, 1, "fsck IP[:PORT] [--replicas 3]");
            case "gc" -> expect(w, 1, "gc IP[:PORT] [--dry-run]");
            default -> expect(w, 2, cmd + " NAME IP[:PORT]");
        }
        var entry = HostPort.parse(w.get(w.size() - 1), Main.CHORD_PORT);
        try (RingClient ring = new RingClient(entry)) {
            switch (cmd) {
                case "upload": {
                    Path file = Path.of(w.get(0));
                    if (!Files.isRegularFile(file)) {
                        throw new ClientException("no such file: " + file);
                    }
                    String name = args.get("--name", file.getFileName().toString());
                    Progress p = progress(err, quiet, json, "upload " + name, sizeOf(file));
                    Transfers.UploadResult r = Transfers.upload(ring, file, name, chunk, parallel, p);
                    if (json) {
                        out.println(JSON.valueToTree(r).toString());
                    } else if (!quiet) {
                        out.printf(Locale.ROOT, "uploaded %s: %s in %s (%d sent, %d already there), sha256 %s%n",
                                r.name(), Sizes.format(r.size()), r.chunks() == 0 ? "1 object" : r.chunks() + " chunks",
                                r.uploaded(), r.skipped(), r.sha256());
                    }
                    return 0;
                }
                case "download": {
                    String name = w.get(0);
                    Path target = Transfers.target(name, args.get("--output", null));
                    Progress p = progress(err, quiet, json, "download " + name, 0);
                    Transfers.DownloadResult r = Transfers.download(ring, name, target, parallel, p);
                    print(r, "downloaded", out, quiet, json);
                    return 0;
                }
                case "verify": {
                    String name = w.get(0);
                    Transfers.DownloadResult r = Transfers.verify(ring, name, progress(err, quiet, json, "verify " + name, 0));
                    print(r, "verified", out, quiet, json);
                    return 0;
                }
                case "ls": {
                    List<Admin.FileRow> rows = Admin.ls(ring);
                    if (json) {
                        out.println(JSON.valueToTree(rows).toString());
                    } else if (!quiet) {
                        out.printf(Locale.ROOT, "%12s  %-24s  %6s  %s%n", "SIZE", "MODIFIED", "CHUNKS", "NAME");
                        long total = 0;
                        for (Admin.FileRow r : rows) {
                            out.printf(Locale.ROOT, "%12d  %-24s  %6s  %s%n", r.size(), r.modified(),
                                    r.chunks() == 0 ? "-" : Integer.toString(r.chunks()), r.name());
                            total += r.size();
                        }
                        out.println(rows.size() + " file" + (rows.size() == 1 ? "" : "s") + ", " + Sizes.format(total));
                    }
                    return 0;
                }
                case "stat": {
                    Admin.Stat s = Admin.stat(ring, w.get(0));
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
                case "fsck": {
                    List<Fsck.Health> all = Fsck.check(ring, args.getInt("--replicas", 3, 1, 16));
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
                case "gc": {
                    boolean dry = args.has("--dry-run");
                    List<Admin.Orphan> orphans = Admin.gc(ring, dry);
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
                                + Sizes.format(bytes) + (dry ? " would be collected" : " collected"));
                    }
                    return 0;
                }
                case "rm": {
                    int n = Admin.rm(ring, w.get(0));
                    if (json) {
                        out.println(JSON.createObjectNode().put("name", w.get(0)).put("chunks_deleted", n).toString());
                    } else if (!quiet) {
                        out.println("deleted " + w.get(0) + (n > 0 ? " and " + n + " chunks" : ""));
                    }
                    return 0;
                }
                default:
                    throw new Args.UsageException("unknown command '" + cmd + "'");
            }
        } catch (ClientException e) {
            err.println("fs-client: " + e.getMessage());
            return 1;
        } catch (java.nio.file.InvalidPathException | java.io.UncheckedIOException e) {
            err.println("fs-client: " + e.getMessage());
            return 1;
        }
    }

    private static void print(Transfers.DownloadResult r, String verb, PrintStream out, boolean quiet, boolean json) {
        if (json) {
            ObjectNode o = JSON.valueToTree(r);
            o.put("path", r.path() == null ? null : r.path().toString());
            out.println(o.toString());
        } else if (!quiet) {
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

    private static Progress progress(PrintStream err, boolean quiet, boolean json, String label, long total) {
        return new Progress(err, !quiet && !json && Progress.terminal(), label, total);
    }

    private static void expect(List<String> words, int n, String usage) throws Args.UsageException {
        if (words.size() != n) {
            throw new Args.UsageException("usage: " + usage);
        }
    }
}
