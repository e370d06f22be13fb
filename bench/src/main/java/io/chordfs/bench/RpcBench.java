package io.chordfs.bench;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.cli.Args;
import io.chordfs.core.cli.HostPort;
import io.chordfs.core.net.ChordService;
import io.chordfs.core.ring.Ring;
import io.chordfs.core.rpc.MsgpackValues;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * find_successor answered by one node over loopback, each client on its own thread with its own
 * persistent connection.
 *
 * <p>The node runs in a JVM of its own (as a C++ node would), so the clients' allocation, JIT and
 * GC do not stall it, and its CPU time per call is read from /proc. The default client is a bare
 * blocking socket that writes a request and reads the answer on the calling thread, as rpclib's
 * and msgpack-rpc-python's synchronous calls do, with no thread hand-offs of its own: its CPU per
 * call is printed beside the node's, to show it is not what sets the rate. {@code --client
 * library} measures the project's {@link RpcClient} instead (every call hops through its I/O pool
 * and a reader thread). {@code --target HOST:PORT} measures a node that is already running.
 */
final class RpcBench {
    static final String USAGE = """
              rpc [SECONDS] [--rounds N] [--target HOST:PORT] [--client bare|library] [--depth N]
                                        find_successor answered by one node (its own JVM) over
                                        loopback, with 1 and with 8 clients, each on a persistent
                                        connection with one call in flight (--depth: pipelined): the
                                        median of --rounds (default 3) rounds of SECONDS (default 5)
                                        after a warm-up, p50/p99 latency, and CPU per call
            """;
    private static final int WARM_UP_SECONDS = 3;

    private RpcBench() {}

    private record Options(int seconds, int rounds, InetSocketAddress target, boolean library, int depth) {}

    static void run(String[] args) throws Exception {
        Options o = parse(args);
        if (o.target != null) {
            report(o, o.target, null);
            return;
        }
        String jar = Path.of(RpcBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar, Main.class.getName(), "rpc-node")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String port = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (port == null) {
                throw new IOException("the node process exited before it listened");
            }
            report(o, new InetSocketAddress("127.0.0.1", Integer.parseInt(port.trim())), node);
        } finally {
            node.getOutputStream().close(); // the node exits when its standard input closes
            node.waitFor();
        }
    }

    /** The node process: a lone ring on 127.0.0.1, its port on standard output, until standard input closes. */
    static void node() throws Exception {
        try (ChordService node = ChordService.start(ChordService.Options.of("127.0.0.1", 0))) {
            node.create().get();
            System.out.println(node.self().port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the bench to finish
            }
        }
    }

    private static Options parse(String[] args) throws Args.UsageException {
        int seconds = 5;
        int rounds = 3;
        InetSocketAddress target = null;
        boolean library = false;
        int depth = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--target" -> target = HostPort.parse(args[++i], 5057);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--client" -> library = switch (args[++i]) {
                    case "bare" -> false;
                    case "library" -> true;
                    default -> throw new Args.UsageException("--client takes bare or library");
                };
                case "--depth" -> depth = Integer.parseInt(args[++i]);
                default -> seconds = Integer.parseInt(args[i]);
            }
        }
        if (library && depth != 1) {
            throw new Args.UsageException("--depth is for the bare client");
        }
        return new Options(seconds, rounds, target, library, depth);
    }

    private static void report(Options o, InetSocketAddress address, Process node) throws Exception {
        System.out.printf(Locale.ROOT, "%8s %10s %17s %8s %8s %14s %12s%n",
                "clients", "calls/s", "(rounds min-max)", "p50 µs", "p99 µs", "client CPU µs", "node CPU µs");
        for (int clients : new int[] {1, 8}) {
            measure(o, address, clients, WARM_UP_SECONDS, node);
            List<Result> rounds = new ArrayList<>();
            for (int r = 0; r < o.rounds; r++) {
                rounds.add(measure(o, address, clients, o.seconds, node));
            }
            rounds.sort(Comparator.comparingDouble(Result::rate));
            Result median = rounds.get(rounds.size() / 2);
            System.out.printf(Locale.ROOT, "%8d %10.0f %17s %8.1f %8.1f %14.1f %12s%n",
                    clients, median.rate(),
                    String.format(Locale.ROOT, "(%.0f-%.0f)", rounds.get(0).rate(), rounds.get(rounds.size() - 1).rate()),
                    median.p50 / 1e3, median.p99 / 1e3, median.clientCpuNanos / 1e3 / median.count,
                    median.nodeCpuNanos < 0 ? "-" : String.format(Locale.ROOT, "%.1f", median.nodeCpuNanos / 1e3 / median.count));
        }
    }

    private record Result(long count, double seconds, long p50, long p99, long clientCpuNanos, long nodeCpuNanos) {
        double rate() {
            return count / seconds;
        }
    }

    private record Samples(long[] latencies, long cpuNanos) {}

    private static Result measure(Options o, InetSocketAddress address, int clients, int seconds, Process node)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long nodeCpu = cpuNanos(node);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<Future<Samples>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            SplittableRandom random = new SplittableRandom(c);
            Callable<long[]> client = o.library
                    ? () -> library(address, random, end)
                    : () -> bare(address, random, end, o.depth);
            futures.add(pool.submit(() -> {
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long cpu = threads.getCurrentThreadCpuTime();
                long[] latencies = client.call();
                return new Samples(latencies, threads.getCurrentThreadCpuTime() - cpu);
            }));
        }
        List<long[]> all = new ArrayList<>();
        long clientCpu = 0;
        for (Future<Samples> f : futures) {
            Samples s = f.get();
            all.add(s.latencies);
            clientCpu += s.cpuNanos;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long nodeCpuAfter = cpuNanos(node);
        pool.shutdown();
        long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Result(merged.length, elapsed, merged[merged.length / 2], merged[(int) (merged.length * 0.99)],
                clientCpu, node == null ? -1 : nodeCpuAfter - nodeCpu);
    }

    /** User and system CPU time of a process, from /proc/PID/stat; -1 without a process. */
    private static long cpuNanos(Process p) throws IOException {
        if (p == null) {
            return -1;
        }
        String stat = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime and stime, fields 14 and 15
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    private static long[] library(InetSocketAddress address, SplittableRandom random, long end) throws Exception {
        long[] samples = new long[1 << 22];
        int n = 0;
        try (RpcClient client = new RpcClient(RpcLimits.defaults())) {
            while (System.nanoTime() < end && n < samples.length) {
                long t = System.nanoTime();
                client.callSync(address, ChordNode.FIND_SUCCESSOR, List.of(random.nextLong(Ring.SIZE)));
                samples[n++] = System.nanoTime() - t;
            }
        }
        return Arrays.copyOf(samples, n);
    }

    /**
     * Keeps {@code depth} calls in flight on one blocking socket; each answer is checked. A node
     * answers find_successor on its one loop thread, so answers come in request order and a call's
     * send time is found by its msgid modulo depth.
     */
    private static long[] bare(InetSocketAddress address, SplittableRandom random, long end, int depth)
            throws IOException {
        long[] samples = new long[1 << 22];
        long[] sentAt = new long[depth];
        int n = 0;
        RpcLimits limits = RpcLimits.defaults();
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(address, 2000);
            OutputStream out = s.getOutputStream();
            MessageUnpacker in = MessagePack.newDefaultUnpacker(s.getInputStream());
            MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
            long msgid = 0;
            for (; msgid < depth; msgid++) {
                sentAt[(int) msgid] = send(out, packer, msgid, random);
            }
            int inFlight = depth;
            while (inFlight > 0 && n < samples.length) {
                Object answer = MsgpackValues.read(in, limits);
                long now = System.nanoTime();
                inFlight--;
                if (!(answer instanceof List<?> a) || a.size() != 4 || a.get(2) != null
                        || !(a.get(1) instanceof Long id)) {
                    throw new IOException("unexpected answer: " + answer);
                }
                samples[n++] = now - sentAt[(int) (id % depth)];
                if (now < end) {
                    sentAt[(int) (msgid % depth)] = send(out, packer, msgid, random);
                    msgid++;
                    inFlight++;
                }
            }
        }
        return Arrays.copyOf(samples, n);
    }

    private static long send(OutputStream out, MessageBufferPacker p, long msgid, SplittableRandom random)
            throws IOException {
        p.clear();
        p.packArrayHeader(4).packInt(0).packLong(msgid).packString(ChordNode.FIND_SUCCESSOR);
        p.packArrayHeader(1).packLong(random.nextLong(Ring.SIZE));
        long t = System.nanoTime();
        out.write(p.toByteArray());
        return t;
    }
}
