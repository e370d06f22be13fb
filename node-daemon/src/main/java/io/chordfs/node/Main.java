package io.chordfs.node;

import io.chordfs.core.cli.Args;

import java.io.PrintStream;
import java.util.Arrays;

/** {@code java -jar node-daemon.jar run|local ...}: one node, or a whole ring on this machine. */
public final class Main {
    static final String USAGE = """
            Usage: java -jar node-daemon.jar <command> [options]

            Commands:
              run     run one node of a ring (Chord RPC on --port, default 5057)
              local   run a whole ring on this machine, nodes on 127.0.0.11, 127.0.0.12, ...

            Run `java -jar node-daemon.jar <command> --help` for the options of a command.
            """;

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs a command; returns the process exit code (0 ok, 1 failure, 2 usage error). */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            out.print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        try {
            switch (argv[0]) {
                case "run":
                    return RunCommand.main(rest, out, err);
                case "local":
                    return LocalCommand.main(rest, out, err);
                default:
                    throw new Args.UsageException("unknown command '" + argv[0] + "'");
            }
        } catch (Args.UsageException e) {
            err.println("node-daemon: " + e.getMessage() + " (see --help)");
            return 2;
        }
    }

    static boolean wantsHelp(String[] argv) {
        return Arrays.asList(argv).contains("--help") || Arrays.asList(argv).contains("-h");
    }
}
