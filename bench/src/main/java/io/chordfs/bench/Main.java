package io.chordfs.bench;

import java.util.Arrays;

/** {@code java -jar bench/target/bench.jar <benchmark> [args]}. */
public final class Main {
    private static final String USAGE = """
            Usage: java -jar bench/target/bench.jar <benchmark> [args]

              hops [N ...]              simulated rings (default 10 100 1000 10000): mean and max lookup
                                        hops next to (1/2)·log2 N, and simulation cost
            """ + RpcBench.USAGE + """
              client [--size 1GiB] [--files 10000] [--rounds 3]
                                        fs-client through 3 nodes (R = 3), after a warm-up: a large
                                        file up and down (best of --rounds) and many 4 KiB files up
                                        and down, against disk÷R and loopback limits
              repair [--size 1GiB] [--object 8MiB] [--nodes 5]
                                        a ring holding --size: time from an abrupt death to R copies,
                                        and bytes moved per second when a node joins, under reads
            """ + StorageBench.USAGE + ReplicatedBench.USAGE + StalledBench.USAGE + FaultsBench.USAGE;

    private Main() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("--help")) {
            System.out.print(USAGE);
            System.exit(argv.length == 0 ? 2 : 0);
        }
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        switch (argv[0]) {
            case "hops" -> HopsBench.run(rest);
            case "rpc" -> RpcBench.run(rest);
            case "rpc-node" -> RpcBench.node(); // the node that `rpc` starts in a JVM of its own
            case "repair" -> RepairBench.run(rest);
            case "client" -> io.chordfs.client.ClientBench.run(rest);
            case "storage" -> StorageBench.run(rest);
            case "replicated" -> ReplicatedBench.run(rest);
            case "stalled" -> StalledBench.run(rest);
            case "faults" -> FaultsBench.run(rest);
            default -> {
                System.err.println("bench: unknown benchmark '" + argv[0] + "'");
                System.exit(2);
            }
        }
    }
}
