package io.chordfs.node;

import io.chordfs.core.cli.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code java -jar node-daemon.jar run|local ...}: one node, or a whole ring on this machine. */
@Command(name = "node-daemon", subcommands = {RunCommand.class, LocalCommand.class},
        description = "A ChordFS storage node: `run` for one node of a ring (Chord RPC on --port, default 5057),"
                + " `local` for a whole ring on this machine, nodes on 127.0.0.11, 127.0.0.12, ...",
        footer = {"", "Exit status: 0 done, 1 failed, 2 bad usage."})
public final class Main implements Callable<Integer> {
    static final String INVOCATION = "java -jar node-daemon.jar";

    /** Where the commands write what they tell the user. */
    final PrintStream out;
    final PrintStream err;
    @Spec
    CommandSpec spec;

    private Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs a command; returns the process exit code (0 ok, 1 failure, 2 usage error). */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(argv);
    }

    /** The command line as {@link #run} parses it, for tests of what an argument list means. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        return Cli.commandLine(new Main(out, err), INVOCATION, out, err);
    }

    @Override
    public Integer call() {
        throw Cli.usage(spec, "no command given");
    }
}
