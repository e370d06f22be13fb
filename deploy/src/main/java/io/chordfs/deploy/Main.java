package io.chordfs.deploy;

import java.util.Arrays;

/** {@code java -jar deploy.jar}: provisions and tears down the AWS side of ChordFS. */
public final class Main {
    static final String USAGE = """
            Usage: java -jar deploy.jar <command> [options]

            The AWS provisioning commands (up, status, down) are not built yet; see the project's
            issue tracker. Until then this tool only prints this help.
            """;

    private Main() {}

    public static void main(String[] argv) {
        if (argv.length > 0 && (Arrays.asList(argv).contains("--help") || argv[0].equals("help"))) {
            System.out.print(USAGE);
            return;
        }
        System.err.println("deploy: " + (argv.length == 0 ? "no command given" : "unknown command '" + argv[0] + "'")
                + " (see --help)");
        System.exit(2);
    }
}
