package io.chordfs.node;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.cli.Args;
import io.chordfs.core.cli.Durations;
import io.chordfs.core.cli.HostPort;
import io.chordfs.core.cli.Sizes;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.aws.AddressKind;
import io.chordfs.node.aws.AwsClients;
import io.chordfs.node.aws.AwsNode;
import io.chordfs.node.aws.Imds;
import io.chordfs.node.aws.InstanceIdentity;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.http.FileServer;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.node.replica.Uploads;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code node-daemon run}: one node; joins a ring or starts a new one, leaves on SIGTERM. */
final class RunCommand {
    /** The options every node takes, in {@code run} and in {@code local}. */
    static final String NODE_OPTIONS_HELP = """
              --port N                 Chord RPC port; HTTP and transfers use the next two (default 5057)
              --replicas R             replication factor (default 3)
              --successors N           successor list length, at least R (default 5)
              --write-quorum W         copies durable before a write is acknowledged
                                       (default: every live member of the replica set)
              --repair-ms MS           period of the repair round (default 5000)
              --upload-grace DURATION  how long chunks of uploads that no file names (killed, failed or
                                       replaced uploads) are kept while nothing uses them; a killed
                                       upload can be resumed within it (default 24h)
              --capacity SIZE          quota for stored bytes per node, e.g. 64MiB (default: the disk)
              --max-object-size SIZE   largest object the file port takes in one request (a plain
                                       file, or one chunk of an fs-client upload); larger gets 413
                                       before anything is stored (default: no limit but the disk)
              --basic-auth U:P         HTTP basic auth for every request on the file port
              --basic-auth-upload U:P  HTTP basic auth for uploads only
              --cluster-secret S       secret that node-to-node calls and the kill RPC must carry
                                       (or env CHORDFS_CLUSTER_SECRET; default none)
              --stabilize-ms MS        period of stabilize and fix_fingers (default 500)
              --help                   this text
            """;
    static final Set<String> NODE_OPTIONS = Set.of("--port", "--replicas", "--successors", "--write-quorum",
            "--repair-ms", "--upload-grace", "--capacity", "--max-object-size", "--basic-auth", "--basic-auth-upload", "--cluster-secret", "--stabilize-ms");
    static final String USAGE = """
            Usage: java -jar node-daemon.jar run --ip IP [--announce IP] [options]
                   java -jar node-daemon.jar run --aws [--asg NAME] [--address private|public] [options]

            Runs one ChordFS node: Chord RPC on IP:PORT, files over HTTP on PORT+1, node-to-node
            transfers on PORT+2 (5057, 5058, 5059 by default). Without --join it starts a new ring.

              --ip IP                  address to listen on, and to announce unless --announce (required);
                                       0.0.0.0 listens on every address and needs --announce
              --announce IP            address peers and clients are told to reach this node on, when
                                       it is not the one it listens on (behind a 1:1 address
                                       translation, or listening on 0.0.0.0); the ports are the same.
                                       The node's ring identity, and its id, come from this address
              --data-dir DIR           where files are stored (default ./data/IP, the announced IP)
              --join HOST[:PORT]       join the ring of the node at HOST (port default 5057)
              --id N                   node id in [0, 2^32) (default: key of "IP:PORT", announced)

            On EC2, in an Auto Scaling group (instead of --ip and --join):
              --aws                    identity from instance metadata (IMDSv2); join the ring of the
                                       group's members, or start it when none answers and this
                                       instance has the lowest instance id; publish disk_used_percent
                                       to CloudWatch every 60 s; drain and complete the termination
                                       lifecycle hook (GROUP-drain) on scale-in
              --asg NAME               the group (default: the instance's aws:autoscaling:groupName tag)
              --address private|public the address the node announces and reaches the group's other
                                       nodes on (default private). It always listens on the private
                                       address: EC2 delivers traffic for the public one there
            """ + NODE_OPTIONS_HELP + """

            SIGTERM (or the `kill` RPC) makes the node leave the ring cleanly before it exits: it
            stops taking writes and hands its data to the nodes that will hold it first. With a
            cluster secret, `kill` must carry it as its one argument, kill(secret); kill() and a
            wrong secret get an error answer and the node keeps running. Without one, kill() works
            as on the C++ reference nodes.
            """;
    private static final Set<String> OPTIONS = with(NODE_OPTIONS, "--ip", "--announce", "--data-dir", "--join", "--id",
            "--asg", "--address");
    private static final long JOIN_TIMEOUT_MS = 30_000;

    private RunCommand() {}

    static int main(String[] argv, PrintStream out, PrintStream err) throws Args.UsageException {
        if (Main.wantsHelp(argv)) {
            out.print(USAGE);
            return 0;
        }
        Args args = Args.parse(argv, OPTIONS, Set.of("--aws")).withoutPositional();
        if (args.has("--aws")) {
            return runAws(args, out, err);
        }
        if (args.has("--asg") || args.has("--address")) {
            throw new Args.UsageException("--asg and --address go with --aws");
        }
        String listen = args.require("--ip");
        String ip = args.get("--announce", listen);
        if (isWildcard(ip)) {
            throw new Args.UsageException("peers cannot reach this node at " + ip + " (every address): give --announce IP,"
                    + " the address they reach it on");
        }
        NodeDaemon.Config config = config(args, ip, Path.of(args.get("--data-dir", "data/" + ip))).withListenIp(listen);
        InetSocketAddress join = args.has("--join") ? HostPort.parse(args.get("--join", null), PortLayout.CHORD) : null;

        NodeDaemon node;
        try {
            node = NodeDaemon.start(config);
        } catch (IOException e) {
            err.println("node-daemon: cannot start on " + ip + ": " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        node.onKilled(stopped::countDown);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "shutdown"));
        out.println("node " + node.self() + " listening" + (listen.equals(ip) ? "" : " on " + listen)
                + "; files on http://" + ip + ":"
                + PortLayout.http(node.self().port()) + "/, data in " + config.dataDir().toAbsolutePath());
        if (join == null) {
            node.createRing();
            out.println("started a new ring");
        } else if (!Joiner.joinWithRetry(node, join, JOIN_TIMEOUT_MS, out)) {
            return 1;
        }
        try {
            stopped.await();
            // The kill RPC's answer goes out before we exit; the shutdown hook then finds the node gone.
            TimeUnit.MILLISECONDS.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** {@code run --aws}: the node of an Auto Scaling group (package io.chordfs.node.aws). */
    private static int runAws(Args args, PrintStream out, PrintStream err) throws Args.UsageException {
        if (args.has("--ip") || args.has("--announce") || args.has("--join")) {
            throw new Args.UsageException("--aws finds the addresses and the ring itself: drop --ip, --announce and --join");
        }
        AddressKind kind;
        try {
            kind = AddressKind.parse(args.get("--address", "private"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        try (Imds imds = Imds.connect(null)) {
            InstanceIdentity me;
            String ip;
            try {
                me = AwsNode.identity(imds, args.get("--asg", null));
                ip = me.address(kind);
            } catch (RuntimeException e) {
                err.println("node-daemon: " + e.getMessage());
                return 1;
            }
            NodeDaemon.Config config = config(args, ip, Path.of(args.get("--data-dir", "data/" + ip)));
            try (AwsClients aws = AwsClients.forRegion(me.region())) {
                return new AwsNode(aws, imds, null, AwsNode.DEFAULTS).run(config, me, kind, out, err);
            }
        }
    }

    private static boolean isWildcard(String ip) {
        InetSocketAddress a = new InetSocketAddress(ip, 0);
        return a.getAddress() != null && a.getAddress().isAnyLocalAddress();
    }

    static Set<String> with(Set<String> base, String... more) {
        Set<String> all = new java.util.HashSet<>(base);
        all.addAll(Set.of(more));
        return Set.copyOf(all);
    }

    /** The node's configuration from the options shared by {@code run} and {@code local}. */
    static NodeDaemon.Config config(Args args, String ip, Path dataDir) throws Args.UsageException {
        int replicas = args.getInt("--replicas", ChordConfig.DEFAULT_REPLICAS, 1, 16);
        int successors = args.getInt("--successors", Math.max(ChordConfig.DEFAULT_SUCCESSORS, replicas), 1, 32);
        if (successors < replicas) {
            throw new Args.UsageException("--successors (" + successors + ") must be at least --replicas (" + replicas + ")");
        }
        int period = args.getInt("--stabilize-ms", 500, 10, 600_000);
        int port = args.getInt("--port", PortLayout.CHORD, 1, 0xffff - 2);
        ChordConfig chord = ChordConfig.defaults().withReplication(successors, replicas).withPeriods(period, period);
        Long id = null;
        if (args.has("--id")) {
            try {
                id = Long.parseLong(args.get("--id", null));
            } catch (NumberFormatException e) {
                throw new Args.UsageException("--id must be a number");
            }
            if (!Ring.isId(id)) {
                throw new Args.UsageException("--id must be in [0, 2^32)");
            }
        }
        long capacity = args.has("--capacity") ? Sizes.parse(args.get("--capacity", null)) : 0;
        String secret = args.get("--cluster-secret", System.getenv("CHORDFS_CLUSTER_SECRET"));
        if (secret != null && secret.isEmpty()) {
            // An empty secret is one anybody guesses: refuse it rather than look protected.
            throw new Args.UsageException("the cluster secret (--cluster-secret or CHORDFS_CLUSTER_SECRET) must not be empty");
        }
        int writeQuorum = args.getInt("--write-quorum", 0, 1, replicas);
        int repairMs = args.getInt("--repair-ms", (int) NodeDaemon.DEFAULT_REPAIR_MS, 50, 3_600_000);
        FileServer.Options http = FileServer.Options.defaults()
                .withBasicAuth(credentials(args, "--basic-auth"), credentials(args, "--basic-auth-upload"));
        if (args.has("--max-object-size")) {
            http = http.withMaxObjectBytes(Sizes.parse(args.get("--max-object-size", null)));
        }
        long uploadGrace = Durations.parseMillis(args.get("--upload-grace", Uploads.DEFAULT_GRACE_MS + "ms"));
        return NodeDaemon.Config.of(ip, dataDir).withPort(port).withId(id).withChord(chord).withWriteQuorum(writeQuorum)
                .withRepairPeriod(repairMs).withCapacity(capacity).withHttp(http).withClusterSecret(secret)
                .withUploadGrace(uploadGrace);
    }

    private static String credentials(Args args, String option) throws Args.UsageException {
        String v = args.get(option, null);
        if (v != null && v.indexOf(':') <= 0) {
            throw new Args.UsageException(option + " must be USER:PASSWORD");
        }
        return v;
    }
}
