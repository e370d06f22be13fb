package io.chordfs.client;

import io.chordfs.core.cli.Cli;
import io.chordfs.core.cli.HostPort;
import io.chordfs.core.cli.IoErrors;
import io.chordfs.core.cli.Sizes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code java -jar fs-client.jar <command>}: the command line of a ChordFS client, on the rules
 * every ChordFS jar follows ({@link Cli}: help, version, completion, usage errors). Each
 * subcommand parses its own options and hands typed values to {@link Commands}, which does the
 * work. Exit codes: 0 done, 1 failure, 2 wrong usage.
 */
@Command(name = "fs-client",
        description = "Stores files in a ChordFS ring and fetches them back.",
        synopsisSubcommandLabel = "COMMAND",
        footer = {"", "Entry nodes: the IP argument and --node (repeatable), else CHORDFS_NODES (comma-separated),"
                + " else 'nodes' in $XDG_CONFIG_HOME/chordfs/config (~/.config/chordfs/config); the first that"
                + " answers is used. Credentials for a ring started with --basic-auth: --user, else CHORDFS_AUTH,"
                + " else 'user' in the config file.",
                "IP[:PORT] is any node of the ring; PORT is its Chord RPC port (default 5057; files on PORT+1).",
                "Exit codes: 0 done; 1 failure (one line on stderr); 2 wrong usage."})
public final class Main implements Callable<Integer> {
    static final int CHORD_PORT = HostPort.CHORD_PORT;

    private final Io io;

    /** The process's streams and environment; tests pass their own. */
    record Io(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {}

    private Main(Io io) {
        this.io = io;
    }

    public static void main(String[] argv) {
        System.exit(run(argv, new Io(System.in, System.out, System.err, System.getenv())));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        return run(argv, new Io(InputStream.nullInputStream(), out, err, Map.of()));
    }

    static int run(String[] argv, Io io) {
        return commandLine(io).execute(argv);
    }

    static CommandLine commandLine(Io io) {
        CommandLine cl = Cli.commandLine(new Main(io), "java -jar fs-client.jar", io.out(), io.err());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof Usage u) {
                // found after parsing (an address that is a file port): reported as every usage error is
                return cl.getParameterExceptionHandler().handleParseException(
                        Cli.usage(cmd.getCommandSpec(), u.getMessage()), parsed.originalArgs().toArray(String[]::new));
            }
            cmd.getErr().println("fs-client: " + IoErrors.describe(e));
            return Cli.FAILED;
        });
        return cl;
    }

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Without a command: the overview, and wrong usage. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return Cli.USAGE;
    }

    /** A mistake found after parsing (an address that is a URL, or a file port): exit 2. */
    static final class Usage extends RuntimeException {
        Usage(String message) {
            super(message, null, false, false);
        }
    }

    // ------------------------------------------------------------------------------ options

    /** Where the ring is: what every command that talks to one takes. */
    static final class Ring {
        @Option(names = "--node", paramLabel = "HOST[:PORT]", converter = HostPort.Converter.class,
                description = "an entry node (repeatable; tried in order)")
        List<InetSocketAddress> nodes = new ArrayList<>();

        @Option(names = "--user", paramLabel = "USER:PASS",
                description = "credentials for a ring started with --basic-auth (else $CHORDFS_AUTH)")
        String user;
    }

    /** How results are printed. */
    static final class Output {
        @Option(names = {"-q", "--quiet"}, description = "no progress, no result line")
        boolean quiet;

        @Option(names = "--json", description = "the result as one JSON value on stdout (snake_case keys)")
        boolean json;
    }

    private RingClient connect(InetSocketAddress ip, Ring ring) throws ClientException {
        return RingClient.connect(Entry.resolve(ip, ring.nodes, ring.user, io.env()));
    }

    private Commands.Ui ui(Output o) {
        return new Commands.Ui(io.out(), io.err(), o.quiet, o.json);
    }

    // ----------------------------------------------------------------------------- commands

    private static final String IP = "IP[:PORT]";
    private static final String IP_HELP = "an entry node: any node of the ring, at its Chord port (default 5057)";

    @Command(name = "upload", mixinStandardHelpOptions = true,
            description = {"Store FILE (- for stdin) under its base name, or NAME.",
                    "A file larger than one chunk is split into NAME_chunk_1.. placed on their own owners,"
                            + " and a manifest under NAME is written last (the commit point: readers see the old"
                            + " version whole until then). Rerunning an interrupted upload of the unchanged file"
                            + " skips the chunks it already stored. Memory is about --parallel x chunk size."})
    int upload(@Parameters(index = "0", paramLabel = "FILE", description = "the file to store; - for stdin") String file,
               @Parameters(index = "1", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
               @Option(names = "--name", paramLabel = "NAME", description = "the name in the ring (needed for -)") String name,
               @Option(names = "--chunk-size", paramLabel = "SIZE", defaultValue = "8MiB", converter = Sizes.Converter.class,
                       description = "chunk size, 1 B to 256 MiB (default ${DEFAULT-VALUE})") long chunk,
               @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
                       description = "chunks in flight, 1 to 64 (default ${DEFAULT-VALUE})") int parallel,
               @Mixin Ring ring, @Mixin Output output) throws ClientException {
        if (chunk < 1 || chunk > Transfers.MAX_CHUNK) {
            throw new Usage("--chunk-size must be 1 B to 256 MiB");
        }
        boolean stdin = file.equals("-");
        if (stdin && name == null) {
            throw new Usage("upload from stdin (-) needs --name NAME");
        }
        try (RingClient r = connect(ip, ring)) {
            return stdin ? Commands.uploadStream(r, ui(output), io.in(), name, chunk, parallel(parallel))
                    : Commands.upload(r, ui(output), Path.of(file), name, chunk, parallel(parallel));
        }
    }

    @Command(name = "download", mixinStandardHelpOptions = true,
            description = {"Fetch NAME into PATH (a file, or a folder; default ./NAME), or to stdout with -o -.",
                    "Chunks come in parallel, each and the whole file checked against the manifest, written to"
                            + " .NAME.chordfs-part and renamed into place; a rerun resumes it."})
    int download(@Parameters(index = "0", paramLabel = "NAME", description = "the file's name in the ring") String name,
                 @Parameters(index = "1", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
                 @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "where to write it; - for stdout") String output,
                 @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
                         description = "chunks in flight, 1 to 64 (default ${DEFAULT-VALUE})") int parallel,
                 @Mixin Ring ring, @Mixin Output out) throws ClientException {
        try (RingClient r = connect(ip, ring)) {
            return "-".equals(output) ? Commands.downloadStream(r, ui(out), io.out(), name)
                    : Commands.download(r, ui(out), name, output, parallel(parallel));
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Fetch every chunk of NAME and check every checksum, writing nothing.")
    int verify(@Parameters(index = "0", paramLabel = "NAME", description = "the file's name in the ring") String name,
               @Parameters(index = "1", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
               @Mixin Ring ring, @Mixin Output out) throws ClientException {
        try (RingClient r = connect(ip, ring)) {
            return Commands.verify(r, ui(out), name);
        }
    }

    @Command(name = "ls", description = "Every file in the ring with size, time and chunk count.")
    int ls(@Parameters(index = "0", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
           @Option(names = {"-h", "--human-readable"}, description = "sizes as 1.5 MiB") boolean human,
           @Option(names = "--help", usageHelp = true, description = "show this help and exit") boolean help,
           @Mixin Ring ring, @Mixin Output out) throws ClientException {
        try (RingClient r = connect(ip, ring)) {
            return Commands.ls(r, ui(out), human);
        }
    }

    @Command(name = "stat", mixinStandardHelpOptions = true,
            description = "The manifest of NAME, each chunk's owner and the nodes holding a good copy"
                    + " (exit 1 when a chunk has none).")
    int stat(@Parameters(index = "0", paramLabel = "NAME", description = "the file's name in the ring") String name,
             @Parameters(index = "1", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
             @Mixin Ring ring, @Mixin Output out) throws ClientException {
        try (RingClient r = connect(ip, ring)) {
            return Commands.stat(r, ui(out), name);
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = "Delete NAME; its owner deletes the chunks of a chunked NAME.")
    int rm(@Parameters(index = "0", paramLabel = "NAME", description = "the file's name in the ring") String name,
           @Parameters(index = "1", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
           @Mixin Ring ring, @Mixin Output out) throws ClientException {
        try (RingClient r = connect(ip, ring)) {
            return Commands.rm(r, ui(out), name);
        }
    }

    @Command(name = "gc", mixinStandardHelpOptions = true,
            description = "Collect, on every node, the chunks no file names any more (of killed, failed or replaced"
                    + " uploads) that nothing used for the nodes' grace period (default 24 h).")
    int gc(@Parameters(index = "0", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
           @Option(names = "--dry-run", description = "list what would go") boolean dryRun,
           @Mixin Ring ring, @Mixin Output out) throws ClientException {
        try (RingClient r = connect(ip, ring)) {
            return Commands.gc(r, ui(out), dryRun);
        }
    }

    @Command(name = "fsck", mixinStandardHelpOptions = true,
            description = "Check that every object's newest version is on exactly its R replicas (the first R nodes"
                    + " from its owner); list those that are not (exit 1 when any).")
    int fsck(@Parameters(index = "0", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
             @Option(names = "--replicas", paramLabel = "R", defaultValue = "3",
                     description = "R, 1 to 16 (default ${DEFAULT-VALUE})") int replicas,
             @Mixin Ring ring, @Mixin Output out) throws ClientException {
        try (RingClient r = connect(ip, ring)) {
            return Commands.fsck(r, ui(out), replicas(replicas));
        }
    }

    @Command(name = "ring", mixinStandardHelpOptions = true,
            description = {"The ring's nodes from the lowest id: address, id, state (up, or down: remembered by the"
                    + " ring but not answering), share of the key space it owns, share it holds copies of with R"
                    + " replicas, objects, bytes, disk."})
    int ring(@Parameters(index = "0", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
             @Option(names = "--replicas", paramLabel = "R", defaultValue = "3",
                     description = "the ring's R, 1 to 16 (default ${DEFAULT-VALUE})") int replicas,
             @Mixin Ring ring, @Mixin Output out) throws ClientException {
        try (RingClient r = connect(ip, ring)) {
            return Commands.ring(r, ui(out), replicas(replicas));
        }
    }

    @Command(name = "lookup", mixinStandardHelpOptions = true, description = "The key of NAME and the node that owns it.")
    int lookup(@Parameters(index = "0", paramLabel = "NAME", description = "the file's name in the ring") String name,
               @Parameters(index = "1", arity = "0..1", paramLabel = IP, converter = HostPort.Converter.class, description = IP_HELP) InetSocketAddress ip,
               @Mixin Ring ring, @Mixin Output out) throws ClientException {
        try (RingClient r = connect(ip, ring)) {
            return Commands.lookup(r, ui(out), name);
        }
    }

    private static int replicas(int r) {
        if (r < 1 || r > 16) {
            throw new Usage("--replicas must be 1 to 16");
        }
        return r;
    }

    private static int parallel(int n) {
        if (n < 1 || n > 64) {
            throw new Usage("--parallel must be 1 to 64");
        }
        return n;
    }
}
