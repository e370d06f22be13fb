package io.chordfs.node;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.cli.Cli;
import io.chordfs.core.cli.Durations;
import io.chordfs.core.cli.IoErrors;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** {@code node-daemon local}: a whole ring on loopback, one node per 127.0.0.x address. */
@Command(name = "local", sortOptions = false,
        description = {"Runs a ring of N storage nodes in this process, on 127.0.0.11, 127.0.0.12, ... with the real"
                + " ports 5057/5058/5059 (any 127.x address binds on Linux without set-up), until Ctrl-C or SIGTERM,"
                + " which stop every node at once (the data stays in DATA_ROOT/IP).",
                "",
                "Autoscaler (on when --max-nodes is above --nodes): the Auto Scaling group's scale-out rule, applied to"
                + " the local nodes. Every period it takes the average used %% of the running nodes (of --capacity when"
                + " given, else of the disk they share); above --threshold for 2 periods in a row starts one more node"
                + " on the next 127.x address, joined to the ring; after that, --warmup-periods periods start nothing"
                + " more."})
final class LocalCommand implements Callable<Integer> {
    private static final long CONVERGE_TIMEOUT_MS = 60_000;
    private static final long JOIN_TIMEOUT_MS = 30_000;

    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3", description = "how many nodes to start with"
            + " (default ${DEFAULT-VALUE})")
    int nodeCount;

    @Option(names = "--data-root", paramLabel = "DIR", defaultValue = "data", description = "where the nodes keep their"
            + " files (default ./${DEFAULT-VALUE})")
    Path root;

    @Option(names = "--first-ip", paramLabel = "IP", defaultValue = "127.0.0.11", description = "address of the first"
            + " node (default ${DEFAULT-VALUE})")
    String firstIp;

    @Option(names = "--max-nodes", paramLabel = "N", description = "autoscaler: at most this many nodes (default:"
            + " --nodes, no autoscaling)")
    Integer maxNodes;

    @Option(names = "--threshold", paramLabel = "PCT", converter = Percent.class,
            defaultValue = "" + LocalAutoscaler.DEFAULT_THRESHOLD,
            description = "autoscaler: average used %% that counts as high (default 30)")
    double threshold;

    @Option(names = "--period", paramLabel = "DURATION", converter = Durations.Converter.class,
            defaultValue = LocalAutoscaler.DEFAULT_PERIOD_MS + "ms",
            description = "autoscaler: how often usage is sampled, e.g. 5s, 500ms, 1m (default 5s)")
    long periodMs;

    @Option(names = "--warmup-periods", paramLabel = "N", defaultValue = "" + LocalAutoscaler.DEFAULT_WARMUP_PERIODS,
            description = "autoscaler: periods after a scale-out before the next one (default ${DEFAULT-VALUE})")
    int warmup;

    @Mixin
    NodeOptions node;

    @Override
    public Integer call() {
        List<NodeDaemon.Config> configs = configs();
        int n = nodeCount;
        PrintStream out = main.out;
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
            main.err.println("node-daemon: could not start the local ring: " + IoErrors.describe(e));
            nodes.forEach(NodeDaemon::halt);
            return Cli.FAILED;
        }
        List<ChordNode> members = nodes.stream().map(d -> d.chord().node()).toList();
        long deadline = System.currentTimeMillis() + CONVERGE_TIMEOUT_MS;
        while (!RingCheck.consistent(members, true)) {
            if (System.currentTimeMillis() > deadline) {
                main.err.println("node-daemon: the ring did not converge within " + CONVERGE_TIMEOUT_MS / 1000 + " s");
                nodes.forEach(NodeDaemon::halt);
                return Cli.FAILED;
            }
            sleep(50);
        }
        LocalAutoscaler scaler = null;
        if (configs.size() > n) {
            scaler = new LocalAutoscaler(new LocalAutoscaler.Rule(threshold, warmup, configs.size()), periodMs,
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
        return Cli.OK;
    }

    /**
     * The configuration of every node the ring may grow to, the first --nodes started at once; every
     * address is checked now, so that a --first-ip with no room is a usage error, not a failure later.
     */
    List<NodeDaemon.Config> configs() {
        Cli.inRange(spec, "--nodes", nodeCount, 1, 200);
        int max = Cli.inRange(spec, "--max-nodes", maxNodes != null ? maxNodes : nodeCount, 1, 254);
        if (max < nodeCount) {
            throw Cli.usage(spec, "--max-nodes (" + max + ") must be at least --nodes (" + nodeCount + ")");
        }
        if (periodMs < 10) {
            throw Cli.usage(spec, "--period must be at least 10ms, got " + periodMs + "ms");
        }
        Cli.inRange(spec, "--warmup-periods", warmup, 0, 1_000_000);
        List<NodeDaemon.Config> configs = new ArrayList<>();
        for (String ip : loopbackIps(max)) {
            configs.add(node.config(ip, root.resolve(ip)));
        }
        return configs;
    }

    /** {@code --threshold 30} or {@code 30%}: a percentage in [0, 100). */
    static final class Percent implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String text) {
            String t = text.trim();
            try {
                double p = Double.parseDouble(t.endsWith("%") ? t.substring(0, t.length() - 1) : t);
                if (p >= 0 && p < 100) {
                    return p;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.TypeConversionException("not a percentage in [0, 100): '" + text + "'");
        }
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

    private List<String> loopbackIps(int n) {
        String[] parts = firstIp.split("\\.");
        int last = parts.length == 4 && parts[0].equals("127") && parts[3].matches("\\d{1,3}") ? Integer.parseInt(parts[3]) : -1;
        if (last < 0) {
            throw Cli.usage(spec, "--first-ip must be a 127.x.y.z address, got '" + firstIp + "'");
        }
        if (last < 1 || last + n - 1 > 254) {
            throw Cli.usage(spec, "--first-ip " + firstIp + " leaves no room for " + n + " nodes");
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
