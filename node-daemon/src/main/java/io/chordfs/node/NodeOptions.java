package io.chordfs.node;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.cli.Cli;
import io.chordfs.core.cli.Durations;
import io.chordfs.core.cli.Sizes;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.http.FileServer;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.node.replica.Uploads;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/**
 * The options every node takes, mixed into {@code run} and {@code local}. An option is a field
 * here and a line in {@link #config}; its help is its description.
 */
final class NodeOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--port", paramLabel = "N", defaultValue = "" + PortLayout.CHORD,
            description = "Chord RPC port; files on N+1 and transfers on N+2 (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--replicas", paramLabel = "R", description = "replication factor (default " + ChordConfig.DEFAULT_REPLICAS + ")")
    Integer replicas;

    @Option(names = "--successors", paramLabel = "N",
            description = "successor list length, at least R (default " + ChordConfig.DEFAULT_SUCCESSORS + ")")
    Integer successors;

    @Option(names = "--write-quorum", paramLabel = "W", description = "copies durable before a write is acknowledged"
            + " (default: every live member of the replica set)")
    Integer writeQuorum;

    @Option(names = "--repair-ms", paramLabel = "MS", defaultValue = "" + NodeDaemon.DEFAULT_REPAIR_MS,
            description = "period of the repair round (default ${DEFAULT-VALUE})")
    int repairMs;

    @Option(names = "--stabilize-ms", paramLabel = "MS", defaultValue = "500",
            description = "period of stabilize and fix_fingers (default ${DEFAULT-VALUE})")
    int stabilizeMs;

    @Option(names = "--upload-grace", paramLabel = "DURATION", converter = Durations.Converter.class,
            defaultValue = Uploads.DEFAULT_GRACE_MS + "ms",
            description = "how long chunks of uploads that no file names (killed, failed or replaced uploads) are kept"
                    + " while nothing uses them; a killed upload can be resumed within it (default 24h)")
    long uploadGraceMs;

    @Option(names = "--capacity", paramLabel = "SIZE", converter = Sizes.Converter.class, defaultValue = "0",
            description = "quota for stored bytes per node, e.g. 64MiB (default: the disk)")
    long capacity;

    @Option(names = "--max-object-size", paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "largest object the file port takes in one request (a plain file, or one chunk of an"
                    + " fs-client upload); larger gets 413 before anything is stored (default: no limit but the disk)")
    Long maxObjectSize;

    @Option(names = "--basic-auth", paramLabel = "U:P", description = "HTTP basic auth for every request on the file port")
    String basicAuth;

    @Option(names = "--basic-auth-upload", paramLabel = "U:P", description = "HTTP basic auth for uploads only")
    String basicAuthUpload;

    @Option(names = "--cluster-secret", paramLabel = "S", defaultValue = "${env:CHORDFS_CLUSTER_SECRET}",
            description = "secret that node-to-node calls and the kill RPC must carry (or env CHORDFS_CLUSTER_SECRET;"
                    + " default none)")
    String clusterSecret;

    /** The node's configuration, or a usage error for options that do not go together. */
    NodeDaemon.Config config(String ip, Path dataDir) {
        int r = Cli.inRange(command, "--replicas", replicas != null ? replicas : ChordConfig.DEFAULT_REPLICAS, 1, 16);
        int s = Cli.inRange(command, "--successors",
                successors != null ? successors : Math.max(ChordConfig.DEFAULT_SUCCESSORS, r), 1, 32);
        if (s < r) {
            throw Cli.usage(command, "--successors (" + s + ") must be at least --replicas (" + r + ")");
        }
        Cli.inRange(command, "--port", port, 1, 0xffff - 2);
        Cli.inRange(command, "--stabilize-ms", stabilizeMs, 10, 600_000);
        Cli.inRange(command, "--repair-ms", repairMs, 50, 3_600_000);
        if (writeQuorum != null) {
            Cli.inRange(command, "--write-quorum", writeQuorum, 1, r);
        }
        if (clusterSecret != null && clusterSecret.isEmpty()) {
            // An empty secret is one anybody guesses: refuse it rather than look protected.
            throw Cli.usage(command, "the cluster secret (--cluster-secret or CHORDFS_CLUSTER_SECRET) must not be empty");
        }
        FileServer.Options http = FileServer.Options.defaults()
                .withBasicAuth(credentials("--basic-auth", basicAuth), credentials("--basic-auth-upload", basicAuthUpload));
        if (maxObjectSize != null) {
            http = http.withMaxObjectBytes(maxObjectSize);
        }
        ChordConfig chord = ChordConfig.defaults().withReplication(s, r).withPeriods(stabilizeMs, stabilizeMs);
        return NodeDaemon.Config.of(ip, dataDir).withPort(port).withChord(chord)
                .withWriteQuorum(writeQuorum != null ? writeQuorum : 0).withRepairPeriod(repairMs).withCapacity(capacity)
                .withHttp(http).withClusterSecret(clusterSecret).withUploadGrace(uploadGraceMs);
    }

    private String credentials(String option, String value) {
        if (value != null && value.indexOf(':') <= 0) {
            throw Cli.usage(command, option + " must be USER:PASSWORD");
        }
        return value;
    }
}
