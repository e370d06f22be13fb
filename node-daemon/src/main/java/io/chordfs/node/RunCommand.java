package io.chordfs.node;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordListener;
import io.chordfs.core.cli.Args;
import io.chordfs.core.cli.HostPort;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.Ring;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code node-daemon run}: one node; joins a ring or starts a new one, leaves on SIGTERM. */
final class RunCommand {
    static final int DEFAULT_PORT = 5057;
    static final String USAGE = """
            Usage: java -jar node-daemon.jar run --ip IP [options]

            Runs one ChordFS node. Without --join it starts a new ring.

              --ip IP             address to listen on and to announce to peers (required)
              --port N            Chord RPC port (default 5057)
              --join HOST[:PORT]  join the ring of the node at HOST (port default 5057)
              --id N              node id in [0, 2^32) (default: key of "IP:PORT")
              --replicas R        replication factor (default 3)
              --successors N      successor list length, at least R (default 5)
              --stabilize-ms MS   period of stabilize and fix_fingers (default 500)
              --help              this text

            SIGTERM (or the `kill` RPC) makes the node leave the ring cleanly before it exits.
            """;
    private static final Set<String> OPTIONS = Set.of("--ip", "--port", "--join", "--id", "--replicas",
            "--successors", "--stabilize-ms");

    private RunCommand() {}

    static int main(String[] argv, PrintStream out, PrintStream err) throws Args.UsageException {
        if (Main.wantsHelp(argv)) {
            out.print(USAGE);
            return 0;
        }
        Args args = Args.parse(argv, OPTIONS, Set.of());
        if (!args.positional().isEmpty()) {
            throw new Args.UsageException("unexpected argument '" + args.positional().get(0) + "'");
        }
        ChordService.Options options = options(args, args.require("--ip"), args.getInt("--port", DEFAULT_PORT, 0, 0xffff));
        InetSocketAddress join = args.has("--join") ? HostPort.parse(args.get("--join", null), DEFAULT_PORT) : null;

        ChordService service;
        try {
            service = ChordService.start(options);
        } catch (IOException e) {
            err.println("node-daemon: cannot listen on " + options.bindIp() + ":" + options.port() + ": " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        service.setListener(new ChordListener() {
            @Override
            public void killed() {
                stopped.countDown();
            }
        });
        Thread hook = new Thread(() -> leaveAndClose(service), "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("node " + service.self() + " listening");
        if (join == null) {
            service.create().join();
            out.println("started a new ring");
        } else {
            Joiner.joinWithRetry(service, join, out);
        }
        try {
            stopped.await();
            // The kill RPC's answer goes out before we exit: the hook then finds the node gone.
            TimeUnit.MILLISECONDS.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static ChordService.Options options(Args args, String ip, int port) throws Args.UsageException {
        int replicas = args.getInt("--replicas", ChordConfig.DEFAULT_REPLICAS, 1, 16);
        int successors = args.getInt("--successors", Math.max(ChordConfig.DEFAULT_SUCCESSORS, replicas), 1, 32);
        if (successors < replicas) {
            throw new Args.UsageException("--successors (" + successors + ") must be at least --replicas (" + replicas + ")");
        }
        int period = args.getInt("--stabilize-ms", 500, 10, 600_000);
        ChordConfig chord = ChordConfig.defaults().withReplication(successors, replicas).withPeriods(period, period);
        ChordService.Options options = ChordService.Options.of(ip, port).withChord(chord);
        if (args.has("--id")) {
            long id;
            try {
                id = Long.parseLong(args.get("--id", null));
            } catch (NumberFormatException e) {
                throw new Args.UsageException("--id must be a number");
            }
            if (!Ring.isId(id)) {
                throw new Args.UsageException("--id must be in [0, 2^32)");
            }
            options = options.withId(id);
        }
        return options;
    }

    static void leaveAndClose(ChordService service) {
        try {
            service.leave().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("node " + service.self() + ": could not tell the neighbours before stopping: " + e);
        }
        service.close();
    }
}
