package io.chordfs.bench;

import io.chordfs.core.cli.Args;
import io.chordfs.node.peer.PortLayout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Slow and silent clients against one real node process ({@code node-daemon.jar local --nodes 1},
 * issue 16): thousands of connections to the file port (5058) and the transfer port (5059) that
 * stall, opened from 127.0.0.2-9 (a few hundred an address, so that a fair share per address would
 * not refuse the normal client), while a normal client on 127.0.0.1 makes round trips of a 4 KiB
 * file (PUT, then GET and compare), each on a new connection with a timeout. Then the stalled
 * connections close, and the time until the node answers a GET is taken. Variants: {@code head}
 * (half a request head, then silence), {@code trickle} (a PUT whose body comes at 1 byte a second),
 * {@code noread} (a GET of a 3 MB file whose answer is never read, with a 4 KiB receive buffer).
 */
final class StalledBench {
    static final String USAGE = """
              stalled [--http 2000] [--peer 500] [--trips 20] [--variants head,trickle,noread]
                      [--timeout-ms 3000] [--recover-s 30] [--dir DIR] [--node-jar PATH]
                                        a node process (local --nodes 1) with --http connections to
                                        its 5058 and --peer to its 5059 stalled from 127.0.0.2-9: half
                                        a request head (head), a body at 1 byte/s (trickle), a 3 MB
                                        answer never read (noread); meanwhile a client on 127.0.0.1
                                        makes --trips PUT+GET round trips of 4 KiB (--timeout-ms a
                                        request): successes, p50/p99; then the stalled ones close and
                                        the time until the node answers is taken (at most --recover-s)
            """;
    static final List<String> VARIANTS = List.of("head", "trickle", "noread");
    /** The node's open-file limit, raised with ulimit -n in its shell wrapper (at most to the hard limit). */
    private static final int NODE_FD_LIMIT = 65_536;
    private static final int SOURCES = 8;
    private static final int SMALL = 4096;
    private static final int LARGE = 3_000_000;
    private static final int OPENERS = 32;
    private static final String SMALL_NAME = "a.txt";
    private static final String LARGE_NAME = "big3m.bin";

    private StalledBench() {}

    private record Options(int http, int peer, int trips, List<String> variants, int timeoutMs, int recoverS, Path dir,
                           String nodeJar) {
        String command() {
            return "java -jar bench/target/bench.jar stalled --http " + http + " --peer " + peer + " --trips " + trips
                    + " --variants " + String.join(",", variants) + " --timeout-ms " + timeoutMs + " --recover-s " + recoverS;
        }
    }

    /** One variant's outcome. */
    private record Outcome(String variant, int[] opened, int[] wanted, int ok, int trips, long[] latencies,
                           Map<String, Integer> failures, String census, double recoverSeconds) {}

    static void run(String[] argv) throws Exception {
        Options o;
        try {
            o = parse(argv);
        } catch (Args.UsageException e) {
            System.err.println("bench stalled: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path nodeJar = LocalRingProcess.nodeJar(o.nodeJar());
        long need = o.http() + o.peer() + 512L;
        String own = ownFdLimit();
        System.out.println("command: " + o.command());
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores; load average "
                + String.format(Locale.ROOT, "%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage()));
        long soft = softFdLimit();
        if (soft >= 0 && soft < need) {
            System.out.println("WARNING: this JVM may open only " + soft + " files and needs about " + need + ": raise the limit"
                    + " (ulimit -n " + need + ", as root for a hard limit that low) or give fewer --http/--peer;"
                    + " connections that cannot be opened are counted as such");
        }
        System.out.println("file descriptors: this JVM " + own + " (the JVM raises its soft limit to the hard one; needs about "
                + need + "); the node's is raised with ulimit -n to " + NODE_FD_LIMIT + " or the hard limit if lower, in a shell"
                + " wrapper that then execs it");
        Path work = Files.createTempDirectory(o.dir() != null ? o.dir() : Path.of(System.getProperty("java.io.tmpdir")),
                "chordfs-stalled-");
        List<Outcome> outcomes = new ArrayList<>();
        try {
            for (String v : o.variants()) {
                outcomes.add(variant(o, v, nodeJar, work));
            }
        } finally {
            StorageBench.deleteTree(work);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-8s %-13s %-11s %8s %8s  %-22s %s%n", "variant", "stalled 5058", "stalled 5059", "p50 ms",
                "p99 ms", "round trips ok", "answers after they close");
        for (Outcome x : outcomes) {
            long[] s = x.latencies().clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "%-8s %-13s %-11s %8s %8s  %-22s %s%n", x.variant(),
                    x.opened()[0] + "/" + x.wanted()[0], x.opened()[1] + "/" + x.wanted()[1],
                    s.length == 0 ? "-" : String.format(Locale.ROOT, "%.1f", s[s.length / 2] / 1e6),
                    s.length == 0 ? "-" : String.format(Locale.ROOT, "%.1f", s[Math.min(s.length - 1, (int) (s.length * 0.99))] / 1e6),
                    x.ok() + " of " + x.trips(),
                    x.recoverSeconds() < 0 ? "NOT within " + o.recoverS() + " s" : String.format(Locale.ROOT, "after %.2f s",
                            x.recoverSeconds()));
        }
        System.out.println("goal (issue 16): every round trip succeeds with p99 < 200 ms, and the node answers at once after"
                + " the stalled connections close. p50/p99 are of the round trips that succeeded.");
        System.out.println("command: " + o.command());
    }

    private static Outcome variant(Options o, String v, Path nodeJar, Path work) throws Exception {
        System.out.println();
        System.out.println("== " + v + ": " + describe(v) + ", " + o.http() + " connections to 5058 and " + o.peer()
                + " to 5059, from 127.0.0.2-" + (1 + SOURCES));
        try (LocalRingProcess node = LocalRingProcess.start(nodeJar, 1, Files.createDirectories(work.resolve(v)),
                work.resolve(v + ".log"), NODE_FD_LIMIT, List.of())) {
            String ip = node.ips().get(0);
            int http = PortLayout.http(PortLayout.CHORD);
            int peer = PortLayout.peer(PortLayout.CHORD);
            System.out.println("node: local --nodes 1 on " + ip + " (pid " + node.pid() + "), " + node.limit("Max open files"));
            byte[] small = random(SMALL, 1);
            expect(Client.exchange(ip, http, "PUT", "/" + SMALL_NAME, small, 30_000), 201, 204);
            if (v.equals("noread")) {
                expect(Client.exchange(ip, http, "PUT", "/" + LARGE_NAME, random(LARGE, 2), 30_000), 201, 204);
            }
            List<Long> base = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                base.add(roundTrip(ip, http, "warm-" + i, o.timeoutMs(), new TreeMap<>()));
            }
            System.out.printf(Locale.ROOT, "before: 3 round trips alone, %s ms%n", String.join(", ",
                    base.stream().map(t -> t < 0 ? "failed" : String.format(Locale.ROOT, "%.1f", t / 1e6)).toList()));

            try (Stalled stalled = new Stalled()) {
                long t0 = System.nanoTime();
                int[] opened = {stalled.open(v, ip, http, false, o.http()), stalled.open(v, ip, peer, true, o.peer())};
                System.out.printf(Locale.ROOT, "opened: 5058 %d of %d, 5059 %d of %d in %.1f s%s%n", opened[0], o.http(), opened[1],
                        o.peer(), (System.nanoTime() - t0) / 1e9, stalled.openErrors.isEmpty() ? ""
                                : "; failures to open: " + stalled.openErrors);
                stalled.startTrickle(v.equals("trickle"));
                Thread.sleep(1000);

                Map<String, Integer> failures = new TreeMap<>();
                List<Long> ok = new ArrayList<>();
                for (int i = 0; i < o.trips(); i++) {
                    long t = roundTrip(ip, http, "rt-" + v + "-" + i, o.timeoutMs(), failures);
                    if (t >= 0) {
                        ok.add(t);
                    }
                }
                long[] lat = ok.stream().mapToLong(Long::longValue).toArray();
                long[] sorted = lat.clone();
                Arrays.sort(sorted);
                System.out.printf(Locale.ROOT, "round trips (PUT + GET of 4 KiB from 127.0.0.1, %d ms a request): %d of %d succeeded%s%s%n",
                        o.timeoutMs(), ok.size(), o.trips(), sorted.length == 0 ? "" : String.format(Locale.ROOT,
                                ", p50 %.1f ms, p99 %.1f ms", sorted[sorted.length / 2] / 1e6,
                                sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e6),
                        failures.isEmpty() ? "" : "; failures: " + failures);
                String census = "5058: " + stalled.census(http) + "; 5059: " + stalled.census(peer);
                System.out.println("stalled connections then: " + census);
                if (!node.alive()) {
                    System.out.println("the node process DIED: " + StorageBench.tail(node.log(), 10));
                }
                stalled.close();
                long closed = System.nanoTime();
                double recovered = -1;
                while (System.nanoTime() - closed < o.recoverS() * 1_000_000_000L) {
                    try {
                        if (Client.exchange(ip, http, "GET", "/" + SMALL_NAME, null, 1000).status() == 200) {
                            recovered = (System.nanoTime() - closed) / 1e9;
                            break;
                        }
                    } catch (IOException e) {
                        // not yet
                    }
                    Thread.sleep(20);
                }
                System.out.println(recovered < 0 ? "after closing them: the node answered no GET within " + o.recoverS() + " s"
                        : String.format(Locale.ROOT, "after closing them: the node answered a GET after %.2f s", recovered));
                return new Outcome(v, opened, new int[] {o.http(), o.peer()}, ok.size(), o.trips(), lat, failures, census,
                        recovered);
            }
        }
    }

    private static String describe(String v) {
        return switch (v) {
            case "head" -> "half a request head, then silence";
            case "trickle" -> "a PUT whose body (1 MiB announced) comes at 1 byte a second";
            default -> "a GET of a 3 MB file whose answer is never read (4 KiB receive buffer)";
        };
    }

    /** PUT then GET and compare; nanoseconds, or -1 with the reason counted in {@code failures}. */
    private static long roundTrip(String ip, int port, String name, int timeoutMs, Map<String, Integer> failures) {
        byte[] body = random(SMALL, name.hashCode());
        long t0 = System.nanoTime();
        String step = "PUT";
        try {
            Client.Response put = Client.exchange(ip, port, "PUT", "/" + name, body, timeoutMs);
            if (put.status() != 201 && put.status() != 204) {
                throw new IOException("status " + put.status());
            }
            step = "GET";
            Client.Response get = Client.exchange(ip, port, "GET", "/" + name, null, timeoutMs);
            if (get.status() != 200) {
                throw new IOException("status " + get.status());
            }
            if (!Arrays.equals(get.body(), body)) {
                throw new IOException("wrong bytes");
            }
            return System.nanoTime() - t0;
        } catch (IOException e) {
            String why = step + ": " + (e instanceof SocketTimeoutException ? "timed out" : e.getMessage());
            failures.merge(why, 1, Integer::sum);
            return -1;
        }
    }

    private static void expect(Client.Response r, int... statuses) throws IOException {
        for (int s : statuses) {
            if (r.status() == s) {
                return;
            }
        }
        throw new IOException("set-up request answered " + r.status() + ": " + new String(r.body(), StandardCharsets.UTF_8));
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** This JVM's soft open-file limit, -1 when unknown or unlimited. */
    private static long softFdLimit() {
        String[] f = ownFdLimit().split(" ");
        try {
            return Long.parseLong(f[3]);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String ownFdLimit() {
        try {
            return Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
                    .map(l -> l.replaceAll("\\s+", " ").strip()).findFirst().orElse("(unknown)");
        } catch (IOException e) {
            return "(unknown)";
        }
    }

    private static Options parse(String[] argv) throws Args.UsageException {
        Args a = Args.parse(argv, Set.of("--http", "--peer", "--trips", "--variants", "--timeout-ms", "--recover-s", "--dir",
                "--node-jar"), Set.of());
        if (!a.positional().isEmpty()) {
            throw new Args.UsageException("unexpected argument '" + a.positional().get(0) + "'");
        }
        List<String> variants = List.of(a.get("--variants", String.join(",", VARIANTS)).split(","));
        for (String v : variants) {
            if (!VARIANTS.contains(v)) {
                throw new Args.UsageException("unknown variant '" + v + "' (known: " + String.join(",", VARIANTS) + ")");
            }
        }
        return new Options(a.getInt("--http", 2000, 0, 100_000), a.getInt("--peer", 500, 0, 100_000),
                a.getInt("--trips", 20, 1, 10_000), variants, a.getInt("--timeout-ms", 3000, 100, 600_000),
                a.getInt("--recover-s", 30, 1, 3600), a.has("--dir") ? Path.of(a.get("--dir", null)) : null,
                a.get("--node-jar", null));
    }

    /** The stalled connections, by port; a trickle thread when bodies go at 1 byte a second. */
    private static final class Stalled implements AutoCloseable {
        private final Map<Integer, List<SocketChannel>> byPort = new LinkedHashMap<>();
        private final Map<String, Integer> openErrors = new TreeMap<>();
        private final AtomicBoolean closing = new AtomicBoolean();
        private Thread trickler;

        /** Opens {@code n} connections to ip:port, each from 127.0.0.(2 + i % 8), and sends the variant's bytes. */
        int open(String variant, String ip, int port, boolean peerPort, int n) throws Exception {
            List<SocketChannel> list = new ArrayList<>();
            byPort.put(port, list);
            ExecutorService pool = Executors.newFixedThreadPool(OPENERS);
            try {
                List<Future<SocketChannel>> fs = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int k = i;
                    fs.add(pool.submit(() -> {
                        SocketChannel ch = SocketChannel.open();
                        try {
                            if (variant.equals("noread")) {
                                ch.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                            }
                            ch.bind(new InetSocketAddress("127.0.0." + (2 + k % SOURCES), 0));
                            ch.socket().connect(new InetSocketAddress(ip, port), 5000);
                            ch.write(ByteBuffer.wrap(head(variant, peerPort, k).getBytes(StandardCharsets.US_ASCII)));
                            ch.configureBlocking(false);
                            return ch;
                        } catch (IOException e) {
                            ch.close();
                            throw e;
                        }
                    }));
                }
                for (Future<SocketChannel> f : fs) {
                    try {
                        list.add(f.get());
                    } catch (java.util.concurrent.ExecutionException e) {
                        synchronized (openErrors) {
                            openErrors.merge(String.valueOf(e.getCause().getMessage()), 1, Integer::sum);
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            return list.size();
        }

        private static String head(String variant, boolean peerPort, int k) {
            String prefix = peerPort ? "/objects/" : "/";
            return switch (variant) {
                case "head" -> "GET /a.txt HTTP/1.1\r\nHost: x\r\nX-a: ";
                case "trickle" -> "PUT " + prefix + "trickle-" + k + ".bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n";
                default -> "GET " + prefix + LARGE_NAME + " HTTP/1.1\r\nHost: x\r\n\r\n";
            };
        }

        /** With {@code on}: one byte to every connection every second, until closed. */
        void startTrickle(boolean on) {
            if (!on) {
                return;
            }
            trickler = new Thread(() -> {
                ByteBuffer one = ByteBuffer.allocate(1);
                while (!closing.get()) {
                    for (List<SocketChannel> list : byPort.values()) {
                        for (SocketChannel ch : list) {
                            try {
                                ch.write(one.clear().put((byte) 'x').flip());
                            } catch (IOException e) {
                                // closed by the node: the census counts it
                            }
                        }
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "trickle");
            trickler.setDaemon(true);
            trickler.start();
        }

        /** How the port's connections stand: silent and open, answered (bytes waiting), closed, reset. */
        String census(int port) {
            int silent = 0;
            int answered = 0;
            int closed = 0;
            int reset = 0;
            Map<String, Integer> statuses = new TreeMap<>();
            ByteBuffer buf = ByteBuffer.allocate(64);
            for (SocketChannel ch : byPort.getOrDefault(port, List.of())) {
                try {
                    int n = ch.read(buf.clear());
                    if (n < 0) {
                        closed++;
                    } else if (n == 0) {
                        silent++;
                    } else {
                        answered++;
                        String s = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
                        String status = s.startsWith("HTTP/") && s.length() >= 12 ? s.substring(9, 12) : "bytes";
                        statuses.merge(status, 1, Integer::sum);
                    }
                } catch (IOException e) {
                    reset++;
                }
            }
            return silent + " open and silent, " + answered + " answered" + (statuses.isEmpty() ? "" : " " + statuses) + ", "
                    + closed + " closed by the node, " + reset + " reset";
        }

        @Override
        public void close() {
            closing.set(true);
            if (trickler != null) {
                trickler.interrupt();
            }
            for (List<SocketChannel> list : byPort.values()) {
                for (SocketChannel ch : list) {
                    try {
                        ch.close();
                    } catch (IOException e) {
                        // gone already
                    }
                }
                list.clear();
            }
        }
    }

    /**
     * The normal client: one request on a new connection from 127.0.0.1 with {@code Connection:
     * close}, the answer read to its end, all within {@code timeoutMs}.
     */
    static final class Client {
        record Response(int status, byte[] body) {}

        static Response exchange(String ip, int port, String method, String path, byte[] body, int timeoutMs) throws IOException {
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                s.connect(new InetSocketAddress(ip, port), timeoutMs);
                String head = method + " " + path + " HTTP/1.1\r\nHost: " + ip + ":" + port + "\r\nConnection: close\r\n"
                        + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n";
                s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                if (body != null) {
                    s.getOutputStream().write(body);
                }
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                byte[] buf = new byte[16 * 1024];
                while (true) {
                    long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        throw new SocketTimeoutException("timed out");
                    }
                    s.setSoTimeout((int) left);
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    all.write(buf, 0, n);
                }
                return parse(all.toByteArray());
            }
        }

        /** A whole answer as read to the end of the connection: status and body (chunked or not). */
        static Response parse(byte[] raw) throws IOException {
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.") || end < 0) {
                throw new IOException(raw.length == 0 ? "closed without an answer" : "not an HTTP answer");
            }
            int status = Integer.parseInt(text.substring(9, 12));
            byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
            if (text.substring(0, end).toLowerCase(Locale.ROOT).contains("\r\ntransfer-encoding: chunked")) {
                body = dechunk(body);
            }
            return new Response(status, body);
        }

        private static byte[] dechunk(byte[] b) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int i = 0;
            while (true) {
                int eol = indexOfCrlf(b, i);
                if (eol < 0) {
                    throw new IOException("cut chunked body");
                }
                String sizeLine = new String(b, i, eol - i, StandardCharsets.ISO_8859_1);
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    return out.toByteArray();
                }
                if (eol + 2 + size > b.length) {
                    throw new IOException("cut chunked body");
                }
                out.write(b, eol + 2, size);
                i = eol + 2 + size + 2;
            }
        }

        private static int indexOfCrlf(byte[] b, int from) {
            for (int i = from; i + 1 < b.length; i++) {
                if (b[i] == '\r' && b[i + 1] == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }
}
