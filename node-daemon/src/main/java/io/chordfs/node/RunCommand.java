package io.chordfs.node;

import io.chordfs.core.cli.Cli;
import io.chordfs.core.cli.HostPort;
import io.chordfs.core.cli.IoErrors;
import io.chordfs.core.ring.Ring;
import io.chordfs.node.aws.AddressKind;
import io.chordfs.node.aws.AwsClients;
import io.chordfs.node.aws.AwsNode;
import io.chordfs.node.aws.Imds;
import io.chordfs.node.aws.InstanceIdentity;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code node-daemon run}: one node; joins a ring or starts a new one, leaves on SIGTERM. */
@Command(name = "run", sortOptions = false,
        customSynopsis = {"${COMMAND-FULL-NAME} --ip IP [--join HOST[:PORT]] [OPTIONS]",
                "       ${COMMAND-FULL-NAME} --aws [--asg NAME] [OPTIONS]"},
        description = "Runs one ChordFS node: Chord RPC on IP:PORT, files over HTTP on PORT+1, node-to-node transfers"
                + " on PORT+2 (5057, 5058, 5059 by default). Without --join it starts a new ring; on EC2, --aws finds"
                + " the addresses and the ring itself.",
        footer = {"", "SIGTERM (or the `kill` RPC) makes the node leave the ring cleanly before it exits: it stops taking"
                + " writes and hands its data to the nodes that will hold it first. With a cluster secret, `kill` must"
                + " carry it as its one argument, kill(secret); kill() and a wrong secret get an error answer and the"
                + " node keeps running. Without one, kill() works as on the C++ reference nodes."})
final class RunCommand implements Callable<Integer> {
    private static final long JOIN_TIMEOUT_MS = 30_000;

    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--ip", paramLabel = "IP", description = "address to listen on, and to announce unless --announce"
            + " (required without --aws); 0.0.0.0 listens on every address and needs --announce")
    String ip;

    @Option(names = "--announce", paramLabel = "IP", description = "address peers and clients are told to reach this"
            + " node on, when it is not the one it listens on (behind a 1:1 address translation, or listening on"
            + " 0.0.0.0); the ports are the same. The node's ring identity, and its id, come from this address")
    String announce;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where files are stored (default ./data/IP, the"
            + " announced IP)")
    Path dataDir;

    @Option(names = "--join", paramLabel = "HOST[:PORT]", converter = HostPort.Converter.class,
            description = "join the ring of the node at HOST (port default 5057)")
    InetSocketAddress join;

    @Option(names = "--id", paramLabel = "N", description = "node id in [0, 2^32) (default: key of \"IP:PORT\", announced)")
    Long id;

    @Option(names = "--aws", description = "on EC2, in an Auto Scaling group, instead of --ip and --join: identity from"
            + " instance metadata (IMDSv2); join the ring of the group's members, or start it when none answers and"
            + " this instance has the lowest instance id; publish disk_used_percent to CloudWatch every 60 s; drain"
            + " and complete the termination lifecycle hook (GROUP-drain) on scale-in")
    boolean aws;

    @Option(names = "--asg", paramLabel = "NAME", description = "with --aws: the group (default: the instance's"
            + " aws:autoscaling:groupName tag)")
    String asg;

    @Option(names = "--address", paramLabel = "private|public", description = "with --aws: the address the node"
            + " announces and reaches the group's other nodes on (default private). It always listens on the private"
            + " address: EC2 delivers traffic for the public one there")
    AddressKind address;

    @Mixin
    NodeOptions node;

    @Override
    public Integer call() {
        if (aws) {
            return runAws(main.out, main.err);
        }
        NodeDaemon.Config config = config();
        NodeDaemon daemon;
        try {
            daemon = NodeDaemon.start(config);
        } catch (IOException e) {
            main.err.println("node-daemon: cannot start on " + config.ip() + ": " + IoErrors.describe(e));
            return Cli.FAILED;
        }
        PrintStream out = main.out;
        CountDownLatch stopped = new CountDownLatch(1);
        daemon.onKilled(stopped::countDown);
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "shutdown"));
        out.println("node " + daemon.self() + " listening" + (ip.equals(config.ip()) ? "" : " on " + ip)
                + "; files on http://" + config.ip() + ":" + PortLayout.http(daemon.self().port()) + "/, data in "
                + config.dataDir().toAbsolutePath());
        if (join == null) {
            daemon.createRing();
            out.println("started a new ring");
        } else if (!Joiner.joinWithRetry(daemon, join, JOIN_TIMEOUT_MS, out)) {
            return Cli.FAILED;
        }
        try {
            stopped.await();
            // The kill RPC's answer goes out before we exit; the shutdown hook then finds the node gone.
            TimeUnit.MILLISECONDS.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Cli.OK;
    }

    /** The configuration of {@code run --ip}: what the node would start with; a usage error when the options do not fit. */
    NodeDaemon.Config config() {
        if (asg != null || address != null) {
            throw Cli.usage(spec, "--asg and --address go with --aws");
        }
        if (ip == null) {
            throw Cli.usage(spec, "--ip is required (or --aws on EC2)");
        }
        String announced = announce != null ? announce : ip;
        if (isWildcard(announced)) {
            throw Cli.usage(spec, "peers cannot reach this node at " + announced + " (every address): give --announce IP,"
                    + " the address they reach it on");
        }
        return withId(node.config(announced, dataDir(announced))).withListenIp(ip);
    }

    /** {@code run --aws}: the node of an Auto Scaling group (package io.chordfs.node.aws). */
    private int runAws(PrintStream out, PrintStream err) {
        if (ip != null || announce != null || join != null) {
            throw Cli.usage(spec, "--aws finds the addresses and the ring itself: drop --ip, --announce and --join");
        }
        AddressKind kind = address != null ? address : AddressKind.PRIVATE;
        try (Imds imds = Imds.connect(null)) {
            InstanceIdentity me;
            String announced;
            try {
                me = AwsNode.identity(imds, asg);
                announced = me.address(kind);
            } catch (RuntimeException e) {
                err.println("node-daemon: " + e.getMessage());
                return Cli.FAILED;
            }
            NodeDaemon.Config config = withId(node.config(announced, dataDir(announced)));
            try (AwsClients clients = AwsClients.forRegion(me.region())) {
                return new AwsNode(clients, imds, null, AwsNode.DEFAULTS).run(config, me, kind, out, err);
            }
        }
    }

    private NodeDaemon.Config withId(NodeDaemon.Config config) {
        if (id != null && !Ring.isId(id)) {
            throw Cli.usage(spec, "--id must be in [0, 2^32)");
        }
        return config.withId(id);
    }

    private Path dataDir(String announced) {
        return dataDir != null ? dataDir : Path.of("data", announced);
    }

    private static boolean isWildcard(String ip) {
        InetSocketAddress a = new InetSocketAddress(ip, 0);
        return a.getAddress() != null && a.getAddress().isAnyLocalAddress();
    }
}
