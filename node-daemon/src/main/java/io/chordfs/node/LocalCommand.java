package io.chordfs.node;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.cli.Args;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** {@code node-daemon local}: a whole ring on loopback, one node per 127.0.0.x address. */
final class LocalCommand {
    static final String USAGE = """
            Usage: java -jar node-daemon.jar local [--nodes N] [options]

            Runs a ring of N storage nodes in this process, on 127.0.0.11, 127.0.0.12, ... with the
            real ports 5057/5058/5059 (any 127.x address binds on Linux without set-up), until
            Ctrl-C or SIGTERM, which stop every node at once (the data stays in DATA_ROOT/IP).

              --nodes N                how many nodes (default 3)
              --data-root DIR          where the nodes keep their files (default ./data)
              --first-ip IP            address of the first node (default 127.0.0.11)
            """ + RunCommand.NODE_OPTIONS_HELP;
    private static final Set<String> OPTIONS = RunCommand.with(RunCommand.NODE_OPTIONS, "--nodes", "--data-root", "--first-ip");
    private static final long CONVERGE_TIMEOUT_MS = 60_000;
    private static final long JOIN_TIMEOUT_MS = 30_000;

    private LocalCommand() {}

    static int main(String[] argv, PrintStream out, PrintStream err) throws Args.UsageException {
        if (Main.wantsHelp(argv)) {
            out.print(USAGE);
            return 0;
        }
        Args args = Args.parse(argv, OPTIONS, Set.of()).withoutPositional();
        int n = args.getInt("--nodes", 3, 1, 200);
        Path root = Path.of(args.get("--data-root", "data"));
        List<String> ips = loopbackIps(args.get("--first-ip", "127.0.0.11"), n);
        List<NodeDaemon.Config> configs = new ArrayList<>();
        for (String ip : ips) {
            configs.add(RunCommand.config(args, ip, root.resolve(ip)));
        }

        List<NodeDaemon> nodes = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> nodes.forEach(NodeDaemon::halt), "shutdown"));
        try {
            for (NodeDaemon.Config config : configs) {
                NodeDaemon node = NodeDaemon.start(config);
                nodes.add(node);
                if (nodes.size() == 1) {
                    node.createRing();
                } else {
                    node.join(nodes.get(0).self().address(), JOIN_TIMEOUT_MS);
                }
            }
        } catch (IOException | RuntimeException e) {
            err.println("node-daemon: could not start the local ring: " + e.getMessage());
            nodes.forEach(NodeDaemon::halt);
            return 1;
        }
        List<ChordNode> members = nodes.stream().map(d -> d.chord().node()).toList();
        long deadline = System.currentTimeMillis() + CONVERGE_TIMEOUT_MS;
        while (!RingCheck.consistent(members, true)) {
            if (System.currentTimeMillis() > deadline) {
                err.println("node-daemon: the ring did not converge within " + CONVERGE_TIMEOUT_MS / 1000 + " s");
                nodes.forEach(NodeDaemon::halt);
                return 1;
            }
            sleep(50);
        }
        printReady(out, nodes, root);
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static void printReady(PrintStream out, List<NodeDaemon> nodes, Path root) {
        out.println("ring ready: " + nodes.size() + " nodes");
        nodes.stream().sorted(Comparator.comparingLong(d -> d.self().id())).forEach(d -> out.println(
                "  " + d.self().ip() + "  id " + d.self().id() + "  files http://" + d.self().ip() + ":"
                        + PortLayout.http(d.self().port()) + "/  data " + d.store().dataDir().toAbsolutePath()));
        String first = nodes.get(0).self().ip();
        int http = PortLayout.http(nodes.get(0).self().port());
        out.println("Data lives under " + root.toAbsolutePath() + ", one folder per node.");
        out.println("Upload:   curl -F files=@a.txt http://" + first + ":" + http + "/upload");
        out.println("Download: curl -O http://" + nodes.get(nodes.size() - 1).self().ip() + ":" + http + "/a.txt");
        out.println("Ring:     java -jar fs-client/target/fs-client.jar ring " + first);
        out.println("Ctrl-C stops every node.");
    }

    static List<String> loopbackIps(String first, int n) throws Args.UsageException {
        String[] parts = first.split("\\.");
        if (parts.length != 4 || !parts[0].equals("127")) {
            throw new Args.UsageException("--first-ip must be a 127.x.y.z address, got '" + first + "'");
        }
        int last;
        try {
            last = Integer.parseInt(parts[3]);
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--first-ip must be a 127.x.y.z address, got '" + first + "'");
        }
        if (last < 1 || last + n - 1 > 254) {
            throw new Args.UsageException("--first-ip " + first + " leaves no room for " + n + " nodes");
        }
        List<String> ips = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ips.add(parts[0] + "." + parts[1] + "." + parts[2] + "." + (last + i));
        }
        return ips;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
