package io.chordfs.node;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.cli.Args;
import io.chordfs.core.net.ChordService;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** {@code node-daemon local}: a whole ring on loopback, one node per 127.0.0.x address. */
final class LocalCommand {
    static final String USAGE = """
            Usage: java -jar node-daemon.jar local [--nodes N] [options]

            Runs a ring of N nodes in this process, on 127.0.0.11, 127.0.0.12, ... with the real
            ports (any 127.x address binds on Linux without set-up), until Ctrl-C or SIGTERM.

              --nodes N           how many nodes (default 3)
              --first-ip IP       address of the first node (default 127.0.0.11)
              --port N            Chord RPC port of every node (default 5057)
              --replicas R        replication factor (default 3)
              --successors N      successor list length, at least R (default 5)
              --stabilize-ms MS   period of stabilize and fix_fingers (default 500)
              --help              this text
            """;
    private static final Set<String> OPTIONS = Set.of("--nodes", "--first-ip", "--port", "--replicas",
            "--successors", "--stabilize-ms");
    private static final long CONVERGE_TIMEOUT_MS = 60_000;

    private LocalCommand() {}

    static int main(String[] argv, PrintStream out, PrintStream err) throws Args.UsageException {
        if (Main.wantsHelp(argv)) {
            out.print(USAGE);
            return 0;
        }
        Args args = Args.parse(argv, OPTIONS, Set.of());
        int n = args.getInt("--nodes", 3, 1, 200);
        int port = args.getInt("--port", RunCommand.DEFAULT_PORT, 0, 0xffff);
        List<String> ips = loopbackIps(args.get("--first-ip", "127.0.0.11"), n);

        List<ChordService> services = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> services.forEach(ChordService::close), "shutdown"));
        try {
            for (String ip : ips) {
                ChordService s = ChordService.start(RunCommand.options(args, ip, port));
                services.add(s);
                if (services.size() == 1) {
                    s.create().join();
                } else {
                    s.join(services.get(0).self().address()).join();
                }
            }
        } catch (IOException | RuntimeException e) {
            err.println("node-daemon: could not start the local ring: " + e.getMessage());
            services.forEach(ChordService::close);
            return 1;
        }
        List<ChordNode> nodes = services.stream().map(ChordService::node).toList();
        long deadline = System.currentTimeMillis() + CONVERGE_TIMEOUT_MS;
        while (!RingCheck.consistent(nodes, true)) {
            if (System.currentTimeMillis() > deadline) {
                err.println("node-daemon: the ring did not converge within " + CONVERGE_TIMEOUT_MS / 1000 + " s");
                services.forEach(ChordService::close);
                return 1;
            }
            sleep(50);
        }
        out.println("ring ready: " + n + " nodes");
        services.stream().map(ChordService::self).sorted(Comparator.comparingLong(r -> r.id()))
                .forEach(r -> out.println("  " + r.ip() + ":" + r.port() + "  id " + r.id()));
        out.println("Ask any node who owns a name:  java -jar fs-client/target/fs-client.jar lookup a.txt " + ips.get(0));
        out.println("See the ring:                  java -jar fs-client/target/fs-client.jar ring " + ips.get(0));
        out.println("Ctrl-C stops every node.");
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
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
