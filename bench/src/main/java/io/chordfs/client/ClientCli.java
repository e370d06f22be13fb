package io.chordfs.client;

import java.io.PrintStream;

/** fs-client's command line in this JVM, for the bench programs of other packages. */
public final class ClientCli {
    private ClientCli() {}

    /** Runs one fs-client command as {@code java -jar fs-client.jar argv...} would; returns its exit code. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        return Main.run(argv, out, err);
    }
}
