package io.chordfs.node;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.node.aws.AddressKind;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.http.FileServer;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command lines the docs, userdata/, the benches and the tests use, parsed as {@code node-daemon}
 * parses them: each still means the configuration it meant before picocli, written out here by hand.
 */
class CommandLinesTest {
    /** The secret a node gets when no option names one. */
    private static final String ENV_SECRET = System.getenv("CHORDFS_CLUSTER_SECRET");

    private static CommandLine parsed(String... argv) {
        PrintStream none = new PrintStream(OutputStream.nullOutputStream());
        CommandLine cl = Main.commandLine(none, none);
        CommandLine.ParseResult result = cl.parseArgs(argv);
        return result.subcommand().commandSpec().commandLine();
    }

    private static RunCommand run(String... argv) {
        return parsed(argv).getCommand();
    }

    private static List<NodeDaemon.Config> local(String... argv) {
        return parsed(argv).<LocalCommand>getCommand().configs();
    }

    private static NodeDaemon.Config defaults(String ip, Path dataDir) {
        return NodeDaemon.Config.of(ip, dataDir).withClusterSecret(ENV_SECRET);
    }

    @Test
    void readmeRunNewRingAndJoin() {
        RunCommand first = run("run", "--ip", "127.0.0.21");
        assertEquals(defaults("127.0.0.21", Path.of("data/127.0.0.21")), first.config());
        assertNull(first.join);
        RunCommand second = run("run", "--ip", "127.0.0.22", "--join", "127.0.0.21");
        assertEquals(defaults("127.0.0.22", Path.of("data/127.0.0.22")), second.config());
        assertEquals(new InetSocketAddress("127.0.0.21", 5057), second.join);
        assertEquals(new InetSocketAddress("127.0.0.21", 6000), run("run", "--ip", "127.0.0.22", "--join", "127.0.0.21:6000").join);
    }

    @Test
    void readmeAnnounce() {
        assertEquals(defaults("203.0.113.9", Path.of("data/203.0.113.9")).withListenIp("10.0.0.5"),
                run("run", "--ip", "10.0.0.5", "--announce", "203.0.113.9").config());
        assertEquals(defaults("203.0.113.9", Path.of("data/203.0.113.9")).withListenIp("0.0.0.0"),
                run("run", "--ip", "0.0.0.0", "--announce", "203.0.113.9").config());
    }

    /** FaultsBench's nodes: {@code run --ip X --data-dir D --repair-ms 1000 --stabilize-ms 200}, then its extras and --join. */
    @Test
    void faultsBenchNodes() {
        NodeDaemon.Config base = defaults("127.40.1.7", Path.of("/tmp/faults/127.40.1.7")).withRepairPeriod(1000)
                .withChord(ChordConfig.defaults().withPeriods(200, 200));
        String[] argv = {"run", "--ip", "127.40.1.7", "--data-dir", "/tmp/faults/127.40.1.7", "--repair-ms", "1000",
                "--stabilize-ms", "200"};
        assertEquals(base, run(argv).config());
        assertEquals(base.withCapacity(12345), run(with(argv, "--capacity", "12345", "--join", "127.40.1.1")).config());
        assertEquals(base.withId(77L), run(with(argv, "--id", "77")).config());
        assertEquals(base.withClusterSecret("00ff"), run(with(argv, "--cluster-secret", "00ff")).config());
    }

    @Test
    void everyNodeOptionAndBothSpellings() {
        NodeDaemon.Config expected = NodeDaemon.Config.of("127.0.0.9", Path.of("d")).withPort(6000).withId(7L)
                .withChord(ChordConfig.defaults().withReplication(4, 2).withPeriods(100, 100)).withWriteQuorum(2)
                .withRepairPeriod(1000).withCapacity(64L << 20)
                .withHttp(FileServer.Options.defaults().withBasicAuth("a:b", "c:d").withMaxObjectBytes(1024))
                .withClusterSecret("s").withUploadGrace(2 * 3_600_000L);
        String[] spaced = {"run", "--ip", "127.0.0.9", "--data-dir", "d", "--port", "6000", "--id", "7", "--replicas", "2",
                "--successors", "4", "--stabilize-ms", "100", "--write-quorum", "2", "--repair-ms", "1000",
                "--capacity", "64MiB", "--max-object-size", "1KiB", "--basic-auth", "a:b", "--basic-auth-upload", "c:d",
                "--cluster-secret", "s", "--upload-grace", "2h"};
        assertEquals(expected, run(spaced).config());
        List<String> joined = new java.util.ArrayList<>(List.of("run"));
        for (int i = 1; i < spaced.length; i += 2) {
            joined.add(spaced[i] + "=" + spaced[i + 1]);
        }
        assertEquals(expected, run(joined.toArray(String[]::new)).config());
    }

    @Test
    void successorsFollowReplicas() {
        assertEquals(ChordConfig.defaults().withReplication(7, 7),
                run("run", "--ip", "127.0.0.9", "--replicas", "7").config().chord());
    }

    /** userdata/cloud-init.sh and the --aws lines of docs/usage.md: parsed, without instance metadata to go further. */
    @Test
    void awsCommandLines() {
        RunCommand unit = run("run", "--aws", "--asg", "NAME", "--data-dir", "/var/lib/chordfs");
        assertTrue(unit.aws);
        assertEquals("NAME", unit.asg);
        assertEquals(Path.of("/var/lib/chordfs"), unit.dataDir);
        assertNull(unit.address);
        assertEquals(AddressKind.PUBLIC, run("run", "--aws", "--address", "public").address);
        assertEquals(AddressKind.PUBLIC, run("run", "--aws", "--address", "PUBLIC").address);
    }

    @Test
    void localRings() {
        List<NodeDaemon.Config> readme = local("local", "--nodes", "3");
        assertEquals(List.of(defaults("127.0.0.11", Path.of("data/127.0.0.11")), defaults("127.0.0.12", Path.of("data/127.0.0.12")),
                defaults("127.0.0.13", Path.of("data/127.0.0.13"))), readme);

        // LocalRingProcess (StalledBench, ReplicatedBench) and ProcessTest
        List<NodeDaemon.Config> bench = local("local", "--nodes", "2", "--first-ip", "127.33.4.11", "--data-root", "/tmp/r",
                "--stabilize-ms", "100");
        ChordConfig fast = ChordConfig.defaults().withPeriods(100, 100);
        assertEquals(List.of(defaults("127.33.4.11", Path.of("/tmp/r/127.33.4.11")).withChord(fast),
                defaults("127.33.4.12", Path.of("/tmp/r/127.33.4.12")).withChord(fast)), bench);

        // docs/usage.md's autoscaler: room for five nodes, each with the quota
        CommandLine autoscaled = parsed("local", "--nodes", "1", "--max-nodes", "5", "--capacity", "64MiB", "--threshold", "30",
                "--period", "5s");
        List<NodeDaemon.Config> five = autoscaled.<LocalCommand>getCommand().configs();
        assertEquals(5, five.size());
        assertEquals(defaults("127.0.0.15", Path.of("data/127.0.0.15")).withCapacity(64L << 20), five.get(4));
        LocalCommand command = autoscaled.getCommand();
        assertEquals(30.0, command.threshold);
        assertEquals(5000, command.periodMs);
        assertEquals(3, command.warmup);
        assertEquals(41.5, parsed("local", "--threshold", "41.5%").<LocalCommand>getCommand().threshold);
    }

    private static String[] with(String[] argv, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of(argv));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
