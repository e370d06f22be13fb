package io.chordfs.client;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.cli.Args;
import io.chordfs.core.cli.HostPort;
import io.chordfs.core.cli.Sizes;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcError;
import io.chordfs.core.rpc.RpcLimits;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/** {@code java -jar fs-client.jar <command>}: talks to a ChordFS ring. */
public final class Main {
    static final int CHORD_PORT = 5057;
    static final String USAGE = """
            Usage: java -jar fs-client.jar <command> [arguments]

            Commands:
              upload FILE IP[:PORT] [--name NAME] [--chunk-size 8MiB] [--parallel 4]
                                      store FILE (under its base name, or NAME); a file larger than one
                                      chunk is split into NAME_chunk_1.. placed on their own owners, as
                                      chunks of this upload (a version never writes over another's), and a
                                      manifest under NAME is written last (the commit point: readers see the
                                      old version whole until then). Rerunning an interrupted upload of the
                                      unchanged file skips the chunks it already stored.
              download NAME IP[:PORT] [-o PATH] [--parallel 4]
                                      fetch NAME into PATH (a file, or a directory; default ./NAME): chunks in
                                      parallel, each and the whole file checked against the manifest, written
                                      to .NAME.chordfs-part and renamed into place. A rerun resumes it.
              verify NAME IP[:PORT]   fetch every chunk and check every checksum, writing nothing
              ls IP[:PORT]            every file in the ring with size, time and chunk count
              stat NAME IP[:PORT]     the manifest of NAME, each chunk's owner and the nodes holding a good
                                      copy (exit 1 when a chunk has none)
              rm NAME IP[:PORT]       delete NAME; its owner deletes the chunks of a chunked NAME
              gc IP[:PORT] [--dry-run]
                                      collect, on every node, the chunks no file names any more (of killed,
                                      failed or replaced uploads) that nothing used for the nodes' grace
                                      period (default 24 h); with --dry-run, list what would go
              fsck IP[:PORT] [--replicas 3]
                                      check the replication invariant: every object's newest version on
                                      exactly its R replicas (the first R nodes from its owner); lists the
                                      objects that are not, with the nodes missing them or holding extras
                                      (exit 1 when any)
              ring IP[:PORT]          the ring's nodes in ring order: address, id, share of the key space
              lookup NAME IP[:PORT]   the key of NAME and the node that owns it

            Any node answers a plain GET of a chunked NAME (curl, browsers) with the whole file; the
            manifest itself (JSON, first key "chordfs_manifest") with the header X-ChordFS-Raw: 1 or ?raw=1.
            A chunked upload writes chunks of up to --chunk-size (raised if the manifest would exceed 1 MiB);
            memory is about --parallel x chunk size.

            Options: --quiet (no progress, no result line), --json (results as JSON on stdout).
            Progress (bytes, rate, ETA) goes to stderr when stderr is a terminal.
            IP is any node of the ring; PORT is its Chord RPC port (default 5057; files on PORT+1).
            Exit codes: 0 done; 1 failure (a node unreachable, no such file, a chunk missing or corrupt
            everywhere, the ring full, not authorised), with one line on stderr; 2 wrong usage.
            """;

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0 || Arrays.asList(argv).contains("--help") || argv[0].equals("help")) {
            out.print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        try {
            String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
            for (int i = 0; i < rest.length; i++) {
                if (rest[i].equals("-o")) {
                    rest[i] = "--output";
                }
            }
            Args args = Args.parse(rest, Set.of("--name", "--chunk-size", "--parallel", "--output", "--replicas"),
                    Set.of("--quiet", "--json", "--dry-run"));
            List<String> words = args.positional();
            switch (argv[0]) {
                case "upload", "download", "verify", "ls", "stat", "rm", "fsck", "gc":
                    return Commands.run(argv[0], args, out, err);
                case "ring":
                    expect(words, 1, "ring IP[:PORT]");
                    return ring(HostPort.parse(words.get(0), CHORD_PORT), out);
                case "lookup":
                    expect(words, 2, "lookup NAME IP[:PORT]");
                    try (RpcClient client = new RpcClient(RpcLimits.defaults())) {
                        return lookup(client, words.get(0), HostPort.parse(words.get(1), CHORD_PORT), out);
                    }
                default:
                    throw new Args.UsageException("unknown command '" + argv[0] + "'");
            }
        } catch (Args.UsageException e) {
            err.println("fs-client: " + e.getMessage() + " (see --help)");
            return 2;
        } catch (IOException | TimeoutException | RpcError e) {
            err.println("fs-client: " + describe(e));
            return 1;
        } catch (ClientException e) {
            err.println("fs-client: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static void expect(List<String> words, int n, String usage) throws Args.UsageException {
        if (words.size() != n) {
            throw new Args.UsageException("usage: " + usage);
        }
    }

    static int ring(InetSocketAddress entry, PrintStream out) throws ClientException {
        try (RingClient client = new RingClient(entry)) {
            List<NodeRef> ring = client.members();
            out.printf(Locale.ROOT, "%-22s %10s %8s %9s %12s %7s%n", "ADDRESS", "ID", "SHARE", "OBJECTS", "BYTES", "DISK");
            for (int i = 0; i < ring.size(); i++) {
                NodeRef n = ring.get(i);
                NodeRef pred = ring.get((i + ring.size() - 1) % ring.size());
                long owned = ring.size() == 1 ? Ring.SIZE : Ring.distance(pred.id(), n.id());
                var stats = client.stats(n);
                out.printf(Locale.ROOT, "%-22s %10d %7.2f%% %9s %12s %7s%n", n.ip() + ":" + n.port(), n.id(),
                        100.0 * owned / Ring.SIZE,
                        stats.map(s -> Long.toString(s.path("objects").asLong())).orElse("-"),
                        stats.map(s -> Sizes.format(s.path("bytes").asLong())).orElse("-"),
                        stats.map(s -> String.format(Locale.ROOT, "%.1f%%", s.path("used_percent").asDouble())).orElse("-"));
            }
            out.println(ring.size() + " node" + (ring.size() == 1 ? "" : "s"));
            return 0;
        }
    }

    static int lookup(RpcClient client, String name, InetSocketAddress entry, PrintStream out)
            throws IOException, TimeoutException, InterruptedException {
        long key = Keys.key(name);
        NodeRef owner = node(client.callSync(entry, ChordNode.FIND_SUCCESSOR, List.of(key)));
        out.println(name + "  key " + key + "  owner " + owner.ip() + ":" + owner.port() + " (id " + owner.id() + ")");
        return 0;
    }

    private static NodeRef node(Object wire) {
        return Wire.parseNode("answer", wire);
    }

    private static String describe(Exception e) {
        if (e instanceof TimeoutException) {
            return "no answer in time: " + e.getMessage();
        }
        if (e instanceof java.net.ConnectException) {
            return "cannot connect: " + e.getMessage();
        }
        return e.getMessage();
    }
}
