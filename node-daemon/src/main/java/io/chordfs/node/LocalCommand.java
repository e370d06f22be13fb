package io.chordfs.node;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.cli.Args;
import io.chordfs.core.cli.Durations;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** {@code node-daemon local}: a whole ring on loopback, one node per 127.0.0.x address. */
final class LocalCommand {
    static final String USAGE = """
            Usage: java -jar node-daemon.jar local [--nodes N] [options]

            Runs a ring of N storage nodes in this process, on 127.0.0.11, 127.0.0.12, ... with the
            real ports 5057/5058/5059 (any 127.x address binds on Linux without set-up), until
            Ctrl-C or SIGTERM, which stop every node at once (the data stays in DATA_ROOT/IP).

              --nodes N                how many nodes to start with (default 3)
              --data-root DIR          where the nodes keep their files (default ./data)
              --first-ip IP            address of the first node (default 127.0.0.11)

            Autoscaler (on when --max-nodes is above --nodes): the Auto Scaling group's scale-out
            rule, applied to the local nodes. Every period it takes the average used % of the
            running nodes (of --capacity when given, else of the disk they share); above
            --threshold for 2 periods in a row starts one more node on the next 127.x address,
            joined to the ring; after that, --warmup-periods periods start nothing more.

              --max-nodes N            at most this many nodes (default: --nodes, no autoscaling)
              --threshold PCT          average used % that counts as high (default 30)
              --period DURATION        how often usage is sampled, e.g. 5s, 500ms, 1m (default 5s)
              --warmup-periods N       periods after a scale-out before the next one (default 3)
            """ + RunCommand.NODE_OPTIONS_HELP;
    private static final Set<String> OPTIONS = RunCommand.with(RunCommand.NODE_OPTIONS, "--nodes", "--data-root", "--first-ip",
            "--max-nodes", "--threshold", "--period", "--warmup-periods");
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
        int maxNodes = args.getInt("--max-nodes", n, 1, 254);
        if (maxNodes < n) {
            throw new Args.UsageException("--max-nodes (" + maxNodes + ") must be at least --nodes (" + n + ")");
        }
        double threshold = threshold(args);
        long periodMs = Durations.parseMillis(args.get("--period", LocalAutoscaler.DEFAULT_PERIOD_MS + "ms"));
        if (periodMs < 10) {
            throw new Args.UsageException("--period must be at least 10ms, got '" + args.get("--period", "") + "'");
        }
        int warmup = args.getInt("--warmup-periods", LocalAutoscaler.DEFAULT_WARMUP_PERIODS, 0, 1_000_000);
        Path root = Path.of(args.get("--data-root", "data"));
        // Every address the ring may grow to, so that a --first-ip with no room is a usage error now.
        List<String> ips = loopbackIps(args.get("--first-ip", "127.0.0.11"), maxNodes);
        List<NodeDaemon.Config> configs = new ArrayList<>();
        for (String ip : ips) {
            configs.add(RunCommand.config(args, ip, root.resolve(ip)));
        }

        List<NodeDaemon> nodes = new CopyOnWriteArrayList<>();
        AtomicReference<LocalAutoscaler> autoscaler = new AtomicReference<>();
        Object lifecycle = new Object();
        boolean[] stopping = {false};
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (lifecycle) {
                stopping[0] = true;
                if (autoscaler.get() != null) {
                    autoscaler.get().close();
                }
                nodes.forEach(NodeDaemon::halt);
            }
        }, "shutdown"));
        try {
            for (NodeDaemon.Config config : configs.subList(0, n)) {
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
        LocalAutoscaler scaler = null;
        if (maxNodes > n) {
            scaler = new LocalAutoscaler(new LocalAutoscaler.Rule(threshold, warmup, maxNodes), periodMs,
                    new Fleet(nodes, configs, lifecycle, stopping), out);
        }
        printReady(out, nodes, root, scaler);
        if (scaler != null) {
            synchronized (lifecycle) {
                if (!stopping[0]) {
                    autoscaler.set(scaler.start());
                }
            }
        }
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static double threshold(Args args) throws Args.UsageException {
        String text = args.get("--threshold", null);
        if (text == null) {
            return LocalAutoscaler.DEFAULT_THRESHOLD;
        }
        try {
            double t = Double.parseDouble(text.trim().endsWith("%") ? text.trim().substring(0, text.trim().length() - 1) : text);
            if (t >= 0 && t < 100) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Args.UsageException("--threshold must be a percentage in [0, 100), got '" + text + "'");
    }

    /** The running nodes as the autoscaler sees them: it samples their usage and adds nodes. */
    private static final class Fleet implements LocalAutoscaler.Fleet {
        private final List<NodeDaemon> nodes;
        private final List<NodeDaemon.Config> configs;
        private final Object lifecycle;
        private final boolean[] stopping;
        private int next;

        Fleet(List<NodeDaemon> nodes, List<NodeDaemon.Config> configs, Object lifecycle, boolean[] stopping) {
            this.nodes = nodes;
            this.configs = configs;
            this.lifecycle = lifecycle;
            this.stopping = stopping;
            this.next = nodes.size();
        }

        @Override
        public List<Double> usedPercents() {
            List<Double> used = new ArrayList<>();
            for (NodeDaemon d : nodes) {
                try {
                    used.add(d.store().usedPercent());
                } catch (RuntimeException e) {
                    // A node whose store cannot say is left out of the average, as a node without a datapoint.
                }
            }
            return used;
        }

        @Override
        public String nextIp() {
            return next < configs.size() ? configs.get(next).ip() : null;
        }

        @Override
        public int startNode(String ip) throws IOException {
            NodeDaemon.Config config = configs.get(next++);
            NodeDaemon node;
            synchronized (lifecycle) {
                if (stopping[0]) {
                    throw new IOException("shutting down");
                }
                node = NodeDaemon.start(config);
                nodes.add(node);
            }
            // Joined through whichever running node answers first; node 1 is as good as any here.
            IOException last = null;
            for (NodeDaemon via : nodes) {
                if (via == node) {
                    continue;
                }
                try {
                    node.join(via.self().address(), JOIN_TIMEOUT_MS);
                    return nodes.size();
                } catch (IOException e) {
                    last = e;
                }
            }
            synchronized (lifecycle) {
                nodes.remove(node);
                node.halt();
            }
            throw last != null ? last : new IOException("no running node to join through");
        }
    }

    private static void printReady(PrintStream out, List<NodeDaemon> nodes, Path root, LocalAutoscaler scaler) {
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
        out.println(scaler == null ? "Autoscaler: off (--max-nodes is --nodes)." : "Autoscaler: " + scaler.describe() + ".");
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
