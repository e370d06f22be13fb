package io.chordfs.bench;

import io.chordfs.core.cli.Args;
import io.chordfs.core.cli.Sizes;
import io.chordfs.node.daemon.NodeDaemon;
import io.chordfs.node.peer.PortLayout;

import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.net.BindException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * One ChordFS node (in this JVM, fsync and checksums on as always) side by side with Python
 * {@code uploadserver} (a child process) on the same disk, driven by the same clients over
 * loopback (curl for the large files, or the JDK's clients with {@code --client jdk};
 * java.net.http for the 4 KiB files): a large upload and download (MB/s) and many 4 KiB files
 * uploaded and downloaded by concurrent clients (files/s). Prints machine facts, then one table
 * with the ratio to uploadserver next to the goals of issue 3, and one with the ratio to the
 * machine's ceilings measured in the same run next to the goals of issue 16: the large download
 * against {@link Nginx} serving the same file, 4 KiB GETs with {@link Wrk} against nginx serving
 * the same 4 KiB file, and 4 KiB uploads against the bench's fsync probe (a bare loop of
 * create+write+fsync, taken again right before each round's uploads). The large download is also
 * timed from a {@link BareJdkServer}, the ceiling of any server built on the JDK's HttpServer.
 *
 * <p>Each measurement runs the servers one after the other, each after a {@code sync}, so none
 * pays for another's dirty pages; who goes first alternates by round (rotates by try for the
 * download). All servers are up during the whole run (idle when not measured).
 * Under each result a line tells where the machine's CPU went meanwhile ({@link CpuMeter}): on a
 * small machine the client, the JIT and other work compete with the server being measured.
 */
final class StorageBench {
    static final String USAGE = """
              storage [--size 1GiB] [--small 2000] [--clients 16] [--rounds 2] [--dir DIR]
                      [--python PATH] [--client curl|jdk] [--wrk-seconds 10] [--keep]
                                        one ChordFS node vs Python uploadserver on the same disk:
                                        upload and download of one --size file (MB/s, with curl or
                                        the JDK's clients), --small 4 KiB files up and down with
                                        --clients concurrent clients (files/s), best of --rounds (3
                                        download tries a round), ratio next to issue 3's goals, and
                                        where the CPU went; then issue 16's ceilings: the download
                                        against nginx (nginx-light) serving the same file, 4 KiB GETs
                                        with wrk (16 connections, --wrk-seconds each) against nginx,
                                        4 KiB uploads against a bare fsync loop; the download is also
                                        timed from a bare JDK HttpServer; nginx and wrk are installed
                                        with apt-get when missing (as root), else left out; data under
                                        DIR (default: the temp dir, deleted at the end unless --keep);
                                        PATH: <repo>/.venv/bin/python
            """;

    private static final int SMALL_BYTES = 4096;
    private static final long WARM_LARGE = 64L << 20;
    private static final int WARM_SMALL = 500;
    private static final int WARM_ROUNDS = 4;
    private static final double WARM_JIT_CORES = 0.1;
    private static final int CHUNK = 1 << 20;
    private static final int DOWNLOAD_BUF = 64 * 1024;
    /**
     * The large download lasts about a second, so one slow moment of the machine (hypervisor steal,
     * writeback) swings a single try by up to 2x: each round takes this many tries per server,
     * alternating, and every try is printed.
     */
    private static final int DOWNLOAD_TRIES = 3;
    private static final long FSYNC_PROBE_BYTES = 256L << 20;
    private static final Duration TIMEOUT = Duration.ofMinutes(15);

    private StorageBench() {}

    /** wrk's connections, as the goal is stated. */
    private static final int WRK_CONNECTIONS = 16;
    /** The small file wrk GETs, under this name on the node and in nginx's root. */
    private static final String WRK_FILE = "wrk-4k.bin";
    private static final int PROBE_FILES = 800;

    private record Options(long size, String sizeText, int small, int clients, int rounds, Path dir, Path python,
                           String client, int wrkSeconds, boolean keep) {
        String command() {
            return "java -jar bench/target/bench.jar storage --size " + sizeText + " --small " + small
                    + " --clients " + clients + " --rounds " + rounds + " --client " + client + " --wrk-seconds " + wrkSeconds
                    + (dir == null ? "" : " --dir " + dir);
        }
    }

    /**
     * One server under test: {@code client} for the large files, {@code clients.get(c)} for the
     * c-th concurrent small-file client (each its own HttpClient and connection pool);
     * {@code child}: the uploadserver process (whose log helps when it fails).
     */
    private record Server(String label, URI base, HttpClient client, List<HttpClient> clients, boolean child) {
        HttpRequest.Builder request(String path, Duration timeout) {
            return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
        }
    }

    /** A measured value, or why there is none. */
    private record Cell(double value, String error, CpuMeter.Use cpu) {
        static Cell of(double v, CpuMeter.Use cpu) {
            return new Cell(v, null, cpu);
        }

        static Cell failed(String why) {
            return new Cell(Double.NaN, why, null);
        }

        boolean ok() {
            return error == null;
        }
    }

    /** Concurrent small-file phase: wall time, per-request latencies, failures, retried requests. */
    private record Phase(long nanos, long[] latencies, int errors, String firstError, int retries, CpuMeter.Use cpu) {
        double perSecond() {
            return (latencies.length - errors) / (nanos / 1e9);
        }

        Cell cell() {
            return errors == 0 ? Cell.of(perSecond(), cpu)
                    : Cell.failed(errors + " of " + latencies.length + " failed, first: " + firstError);
        }

        double percentileMs(double p) {
            long[] s = latencies.clone();
            Arrays.sort(s);
            return s[Math.min(s.length - 1, (int) (s.length * p))] / 1e6;
        }
    }

    private static String values(Cell[] cells) {
        return String.join(" ", Arrays.stream(cells)
                .map(c -> c.ok() ? String.format(Locale.ROOT, "%.0f", c.value()) : "failed").toList());
    }

    /** "0.93x", or "-" when either failed. */
    private static String share(Cell c, Cell of) {
        return c.ok() && of.ok() ? String.format(Locale.ROOT, "%.2fx", c.value() / of.value()) : "-";
    }

    /** The largest value, or the first failure. */
    private static Cell best(Cell[] rounds) {
        Cell best = null;
        for (Cell c : rounds) {
            if (!c.ok()) {
                return c;
            }
            if (best == null || c.value() > best.value()) {
                best = c;
            }
        }
        return best;
    }

    /** The fastest round, or the first with failures. */
    private static Phase best(Phase[] rounds) {
        Phase best = null;
        for (Phase p : rounds) {
            if (p.errors() > 0) {
                return p;
            }
            if (best == null || p.perSecond() > best.perSecond()) {
                best = p;
            }
        }
        return best;
    }

    /** Request i, sent by client number c; counts the retries it needed. */
    @FunctionalInterface
    private interface Op {
        void run(int i, int c, AtomicInteger retries) throws Exception;
    }

    // ------------------------------------------------------------------------------------ main

    static void run(String[] argv) throws Exception {
        Options o;
        try {
            o = parse(argv);
        } catch (Args.UsageException e) {
            System.err.println("bench storage: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (!Files.isExecutable(o.python())) {
            System.err.println("bench storage: no Python venv at " + o.python()
                    + ": run scripts/setup-python (in the repository root) first, or give --python");
            System.exit(2);
        }
        String pyVersions = pythonVersions(o.python());
        if (pyVersions == null) {
            System.err.println("bench storage: " + o.python() + " cannot import uploadserver:"
                    + " run scripts/setup-python (in the repository root) first");
            System.exit(2);
        }

        Path base = o.dir() != null ? o.dir() : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(base);
        long needed = (2 + 2L * o.rounds()) * o.size() + FSYNC_PROBE_BYTES + (2 + 2L * WARM_ROUNDS) * WARM_LARGE
                + 2L * (o.rounds() + WARM_ROUNDS) * o.small() * (SMALL_BYTES + 4096);
        long usable = Files.getFileStore(base).getUsableSpace();
        if (usable < needed) {
            System.err.println("bench storage: " + base + " has " + Sizes.format(usable) + " free, needs about "
                    + Sizes.format(needed) + " (source, download copy and one stored copy per server and round)");
            System.exit(2);
        }
        Path work = Files.createTempDirectory(base, "chordfs-bench-");
        Process uploadserver = null;
        NodeDaemon node = null;
        BareJdkServer bare = null;
        Nginx nginx = null;
        AtomicReference<Process> toKill = new AtomicReference<>();
        AtomicReference<Nginx> nginxToStop = new AtomicReference<>();
        boolean keep = o.keep();
        Thread hook = new Thread(() -> { // Ctrl-C
            Nginx n = nginxToStop.get();
            if (n != null) {
                n.close();
            }
            Process p = toKill.get();
            if (p != null) {
                p.destroyForcibly();
                if (!keep) {
                    deleteTree(work);
                }
            }
        }, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Path src = Files.createDirectories(work.resolve("client"));
            Path ourData = work.resolve("chordfs-data");
            Path theirData = Files.createDirectories(work.resolve("uploadserver-data"));

            double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            printMachine(work, pyVersions, loadBefore);
            printFsync(Files.createDirectories(work.resolve("fsync-probe")));

            Path big = src.resolve("big.bin");
            long t0 = System.nanoTime();
            byte[] bigSha = generate(big, o.size());
            sync();
            System.out.printf(Locale.ROOT, "generated %s of random bytes in %.1f s (streamed to %s)%n",
                    Sizes.format(o.size()), (System.nanoTime() - t0) / 1e9, big);

            node = startNode(ourData);
            Server ours = new Server("ChordFS", URI.create("http://" + node.self().ip() + ":"
                    + PortLayout.http(node.self().port())), client(), clients(o.clients()), false);
            int port = freePort();
            uploadserver = startUploadserver(o.python(), theirData, port, work.resolve("uploadserver.log"));
            toKill.set(uploadserver);
            Server theirs = new Server("uploadserver", URI.create("http://127.0.0.1:" + port), client(),
                    clients(o.clients()), true);
            awaitUp(theirs, uploadserver, work.resolve("uploadserver.log"));
            Path bareData = Files.createDirectories(work.resolve("bare-jdk-data"));
            Files.createLink(bareData.resolve(big.getFileName()), big);
            bare = BareJdkServer.start("127.0.0.1", bareData);
            Server reference = new Server("bare JDK HttpServer", bare.base(), client(), List.of(), false);
            Curl curl = null;
            if (o.client().equals("curl")) {
                curl = Curl.orNull(TIMEOUT.toSeconds());
                if (curl == null) {
                    System.out.println("large files: the JDK's clients instead of curl");
                }
            }
            // nginx serves the bare server's directory: the same files (hard links), and the 4 KiB file wrk GETs.
            byte[] wrkContent = new byte[SMALL_BYTES];
            new SplittableRandom(5).nextBytes(wrkContent);
            Files.write(bareData.resolve(WRK_FILE), wrkContent);
            nginx = Nginx.startOrNull(bareData, work.resolve("nginx"));
            nginxToStop.set(nginx);
            Server ceiling = nginx == null ? null : new Server("nginx", nginx.base(), client(), List.of(), true);
            Wrk wrk = Wrk.orNull();
            List<Long> children = new ArrayList<>(List.of(uploadserver.pid()));
            if (nginx != null) {
                children.addAll(nginx.pids());
            }
            CpuMeter meter = new CpuMeter(nginx == null ? "uploadserver" : "uploadserver+nginx", children);
            putSmall(ours, WRK_FILE, wrkContent);
            System.out.println("servers: ChordFS node " + ours.base() + " (in this JVM, data " + ourData + "), "
                    + "uploadserver " + theirs.base() + " (pid " + uploadserver.pid() + ", data " + theirData + "), "
                    + "references for the download: bare JDK HttpServer " + reference.base() + " (in this JVM)"
                    + (nginx == null ? "" : ", nginx " + nginx.base() + " (pids " + nginx.pids() + ", sendfile, root " + bareData + ")"));
            System.out.println("clients: large files " + (curl == null ? "java.net.http up, HttpURLConnection down (SHA-256 checked)"
                    : curl + " (to /dev/null; the content is checked with curl | SHA-256 after the warm-up and the rounds)")
                    + "; 4 KiB files java.net.http, " + o.clients() + " clients"
                    + (wrk == null ? "" : "; 4 KiB GETs wrk, " + WRK_CONNECTIONS + " connections"));

            String run = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
            byte[][] smallContent = new byte[o.small()][];
            for (int i = 0; i < o.small(); i++) {
                smallContent[i] = new byte[SMALL_BYTES];
                new SplittableRandom(i * 31L + run.hashCode()).nextBytes(smallContent[i]);
            }

            // Warm-up, the same on both servers: connections, first requests, and the JIT of this JVM
            // (the client's code, and the in-process node's, which a long-running daemon has compiled).
            // Rounds until the JIT compilers use little CPU, or at most WARM_ROUNDS.
            Path warm = src.resolve("warm.bin");
            byte[] warmSha = generate(warm, WARM_LARGE);
            Files.createLink(bareData.resolve(warm.getFileName()), warm);
            byte[][] warmSmall = Arrays.copyOf(smallContent, Math.min(WARM_SMALL, o.small()));
            List<Server> references = ceiling == null ? List.of(reference) : List.of(reference, ceiling);
            int warmRounds = 0;
            double jit;
            do {
                CpuMeter.Snapshot before = meter.snapshot();
                for (Server s : List.of(ours, theirs)) {
                    String w = "warm-" + run + "-" + warmRounds;
                    Cell up = uploadLarge(s, warm, w + ".bin", WARM_LARGE, meter, curl);
                    Cell down = downloadLarge(s, w + ".bin", WARM_LARGE, warmSha, src.resolve("warm-copy.bin"), meter, curl);
                    Cell content = checkContent(curl, s, w + ".bin", warmSha);
                    Phase pu = smallUploads(s, w + "-", warmSmall, o.clients(), meter);
                    Phase pd = smallDownloads(s, w + "-", warmSmall, o.clients(), meter);
                    List<String> bad = Stream.of(up, down, content, pu.cell(), pd.cell()).filter(c -> !c.ok()).map(Cell::error).toList();
                    if (!bad.isEmpty()) {
                        if (s.child()) {
                            System.err.println(tail(work.resolve("uploadserver.log"), 30));
                        }
                        throw new IOException(s.label() + " failed during warm-up: " + bad.get(0));
                    }
                }
                for (Server s : references) {
                    String name = warm.getFileName().toString();
                    Cell down = downloadLarge(s, name, WARM_LARGE, warmSha, src.resolve("warm-copy.bin"), meter, curl);
                    Cell content = checkContent(curl, s, name, warmSha);
                    if (!down.ok() || !content.ok()) {
                        throw new IOException(s.label() + " failed during warm-up: " + (down.ok() ? content : down).error());
                    }
                }
                if (wrk != null && warmRounds == 0) {
                    for (Server s : ceiling == null ? List.of(ours) : List.of(ours, ceiling)) {
                        wrk.run(s.base().resolve("/" + WRK_FILE), Runtime.getRuntime().availableProcessors(), WRK_CONNECTIONS, 2);
                    }
                }
                jit = meter.since(before).jit();
                warmRounds++;
            } while (jit > WARM_JIT_CORES && warmRounds < WARM_ROUNDS);
            System.out.printf(Locale.ROOT, "warmed up: %d round(s) of %s up and down and %d small files up and down on each"
                    + " server; JIT compilers used %.2f cores in the last%n", warmRounds, Sizes.format(WARM_LARGE),
                    warmSmall.length, jit);

            // Rounds; who goes first alternates (rotates among all of them for the download); the table
            // takes each server's best round.
            List<Server> servers = List.of(ours, theirs);
            List<Server> downloaders = new ArrayList<>(List.of(ours, theirs));
            downloaders.addAll(references);
            int nd = downloaders.size();
            List<Server> getters = ceiling == null ? List.of(ours) : List.of(ours, ceiling);
            Path probeDir = Files.createDirectories(work.resolve("fsync-probe"));
            Cell[][] upload = new Cell[2][o.rounds()];
            Cell[][] download = new Cell[nd][o.rounds() * DOWNLOAD_TRIES];
            Phase[][] smallUp = new Phase[2][o.rounds()];
            Phase[][] smallDown = new Phase[2][o.rounds()];
            Phase[] probe = new Phase[o.rounds()];
            Cell[][] gets = new Cell[2][o.rounds()];
            Wrk.Result[][] getResults = new Wrk.Result[2][o.rounds()];
            String lastBig = null;
            for (int r = 0; r < o.rounds(); r++) {
                int[] order = r % 2 == 0 ? new int[] {0, 1} : new int[] {1, 0};
                String bigName = "big-" + run + "-" + r + ".bin";
                String smallPrefix = "small-" + run + "-" + r + "-";
                String round = "round " + (r + 1) + ": ";
                for (int k : order) {
                    sync();
                    upload[k][r] = uploadLarge(servers.get(k), big, bigName, o.size(), meter, curl);
                    progress(round + "upload " + Sizes.format(o.size()), servers.get(k), upload[k][r], "MB/s");
                }
                lastBig = bigName;
                for (int t = 0; t < DOWNLOAD_TRIES; t++) {
                    int attempt = r * DOWNLOAD_TRIES + t;
                    for (int i = 0; i < nd; i++) { // who goes first rotates
                        int k = (attempt + i) % nd;
                        String name = k >= 2 ? big.getFileName().toString() : bigName;
                        sync();
                        Cell c = downloadLarge(downloaders.get(k), name, o.size(), bigSha, src.resolve("big-copy.bin"), meter, curl);
                        download[k][attempt] = c;
                        progress(round + "download " + Sizes.format(o.size()), downloaders.get(k), c, "MB/s");
                    }
                }
                sync();
                probe[r] = smallFsyncs(probeDir, PROBE_FILES, o.clients(), meter);
                System.out.printf(Locale.ROOT, "  %-34s %-13s %.1f files/s (p50 %.2f ms)%n", round + "fsync probe, 4 KiB",
                        o.clients() + " threads", probe[r].perSecond(), probe[r].percentileMs(0.5));
                System.out.println("      " + probe[r].cpu());
                for (int k : order) {
                    sync();
                    smallUp[k][r] = smallUploads(servers.get(k), smallPrefix, smallContent, o.clients(), meter);
                    progress(round + "upload " + o.small() + " x 4 KiB", servers.get(k), smallUp[k][r].cell(),
                            "files/s" + retried(smallUp[k][r]));
                }
                for (int k : order) {
                    sync();
                    smallDown[k][r] = smallDownloads(servers.get(k), smallPrefix, smallContent, o.clients(), meter);
                    progress(round + "download " + o.small() + " x 4 KiB", servers.get(k), smallDown[k][r].cell(),
                            "files/s" + retried(smallDown[k][r]));
                }
                if (wrk != null) {
                    for (int i = 0; i < getters.size(); i++) {
                        int k = (r + i) % getters.size();
                        Server s = getters.get(k);
                        CpuMeter.Snapshot cpu = meter.snapshot();
                        try {
                            Wrk.Result w = wrk.run(s.base().resolve("/" + WRK_FILE), Runtime.getRuntime().availableProcessors(),
                                    WRK_CONNECTIONS, o.wrkSeconds());
                            getResults[k][r] = w;
                            gets[k][r] = w.errors() == 0 ? Cell.of(w.perSecond(), meter.since(cpu))
                                    : Cell.failed(w.errors() + " of " + w.requests() + " requests failed");
                            System.out.printf(Locale.ROOT, "  %-34s %-13s %s%n", round + "wrk GET 4 KiB, " + WRK_CONNECTIONS + " conns",
                                    s.label(), w);
                            if (gets[k][r].cpu() != null) {
                                System.out.println("      " + gets[k][r].cpu());
                            }
                        } catch (IOException e) {
                            gets[k][r] = Cell.failed(e.getMessage());
                            progress(round + "wrk GET 4 KiB", s, gets[k][r], "requests/s");
                        }
                    }
                }
            }
            double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            Cell[] contentChecked = new Cell[nd];
            for (int k = 0; k < nd; k++) {
                contentChecked[k] = checkContent(curl, downloaders.get(k), k >= 2 ? big.getFileName().toString() : lastBig, bigSha);
            }

            System.out.println();
            header("uploadserver");
            String sz = Sizes.format(o.size()).replace(".0 ", " ");
            Phase[] bestUp = {best(smallUp[0]), best(smallUp[1])};
            Phase[] bestDown = {best(smallDown[0]), best(smallDown[1])};
            Cell[] bestDownload = new Cell[nd];
            for (int k = 0; k < nd; k++) {
                bestDownload[k] = contentChecked[k].ok() ? best(download[k]) : contentChecked[k];
            }
            String downloadHow = curl == null ? "SHA-256 checked" : "curl";
            row("upload " + sz + (curl == null ? "" : ", curl") + " (MB/s)", new Cell[] {best(upload[0]), best(upload[1])}, 2);
            row("download " + sz + ", " + downloadHow + " (MB/s)", new Cell[] {bestDownload[0], bestDownload[1]}, 1);
            row("upload 4 KiB, " + o.clients() + " clients (files/s)", new Cell[] {bestUp[0].cell(), bestUp[1].cell()}, 5);
            row("download 4 KiB, " + o.clients() + " clients (files/s)", new Cell[] {bestDown[0].cell(), bestDown[1].cell()}, 5);
            System.out.println();
            header("ceiling");
            if (ceiling != null) {
                row("download " + sz + ", " + downloadHow + " / nginx (MB/s)", new Cell[] {bestDownload[0], bestDownload[nd - 1]}, 0.9);
                if (wrk != null) {
                    row("GET 4 KiB, wrk " + WRK_CONNECTIONS + " conns / nginx (req/s)", new Cell[] {best(gets[0]), best(gets[1])}, 0.5);
                }
            } else {
                System.out.println("(no nginx: the download and 4 KiB GET ceilings are left out)");
            }
            Cell probeBest = best(Arrays.stream(probe).map(p -> Cell.of(p.perSecond(), p.cpu())).toArray(Cell[]::new));
            row("upload 4 KiB, " + o.clients() + " clients / fsync probe (files/s)", new Cell[] {bestUp[0].cell(), probeBest}, 0.85);
            System.out.println();
            System.out.printf(Locale.ROOT, "small-file latency p50 / p99 (ms): upload ChordFS %.1f / %.1f, uploadserver %.1f / %.1f;"
                            + " download ChordFS %.1f / %.1f, uploadserver %.1f / %.1f%n",
                    bestUp[0].percentileMs(0.5), bestUp[0].percentileMs(0.99), bestUp[1].percentileMs(0.5), bestUp[1].percentileMs(0.99),
                    bestDown[0].percentileMs(0.5), bestDown[0].percentileMs(0.99), bestDown[1].percentileMs(0.5), bestDown[1].percentileMs(0.99));
            if (wrk != null) {
                for (int k = 0; k < getters.size(); k++) {
                    System.out.println("wrk GET 4 KiB, every round, " + getters.get(k).label() + ": " + String.join("; ",
                            Arrays.stream(getResults[k]).map(w -> w == null ? "failed" : w.toString()).toList()));
                }
            }
            System.out.println("fsync probe (" + PROBE_FILES + " files of 4 KiB created, written and fsynced by " + o.clients()
                    + " threads, right before each round's uploads), files/s: " + String.join(" ",
                    Arrays.stream(probe).map(p -> String.format(Locale.ROOT, "%.0f", p.perSecond())).toList())
                    + "; ChordFS's uploads, files/s: " + values(Arrays.stream(smallUp[0]).map(Phase::cell).toArray(Cell[]::new)));
            System.out.println("Each value is the server's best of " + o.rounds() + " round(s), of " + DOWNLOAD_TRIES
                    + " tries per round for the large download (a failure fails it); MB = 10^6 bytes;"
                    + " ratio = ChordFS / uploadserver, or ChordFS / ceiling (the fsync probe: its best round).");
            StringBuilder every = new StringBuilder("large download, every try (MB/s):");
            for (int k = 0; k < nd; k++) {
                every.append(k == 0 ? " " : "; ").append(downloaders.get(k).label()).append(' ').append(values(download[k]));
            }
            System.out.println(every);
            if (curl != null) {
                System.out.println("content of the last large file, curl | SHA-256: " + String.join(", ", IntStream.range(0, nd)
                        .mapToObj(k -> downloaders.get(k).label() + " " + (contentChecked[k].ok() ? "ok" : contentChecked[k].error()))
                        .toList()));
            }
            Cell bareBest = best(download[2]);
            if (bareBest.ok()) {
                System.out.printf(Locale.ROOT, "reference: a bare JDK HttpServer (the server ChordFS is built on) serving the"
                                + " same file with no checksum or metadata: best %.0f MB/s; ChordFS reaches %s of it,"
                                + " uploadserver %s%n", bareBest.value(), share(bestDownload[0], bareBest),
                        share(bestDownload[1], bareBest));
            }
            System.out.println("ChordFS fsyncs and checksums every write (acknowledged after fsync); uploadserver never fsyncs.");
            System.out.println("Client, ChordFS node, uploadserver and nginx share this machine's "
                    + Runtime.getRuntime().availableProcessors() + " cores; ChordFS runs in the client's JVM.");
            System.out.printf(Locale.ROOT, "load average: %.2f at start, %.2f at end (other work on the machine skews the numbers)%n",
                    loadBefore, loadAfter);
            System.out.println("command: " + o.command());
        } finally {
            if (node != null) {
                node.close();
            }
            if (bare != null) {
                bare.close();
            }
            if (nginx != null) {
                nginx.close();
                nginxToStop.set(null);
            }
            if (uploadserver != null) {
                uploadserver.destroy();
                if (!uploadserver.waitFor(5, TimeUnit.SECONDS)) {
                    uploadserver.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            toKill.set(null);
            if (o.keep()) {
                System.out.println("kept " + work);
            } else {
                deleteTree(work);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
    }

    private static Options parse(String[] argv) throws Args.UsageException {
        Args a = Args.parse(argv, Set.of("--size", "--small", "--clients", "--rounds", "--dir", "--python", "--client",
                "--wrk-seconds"), Set.of("--keep"));
        if (!a.positional().isEmpty()) {
            throw new Args.UsageException("unexpected argument '" + a.positional().get(0) + "'");
        }
        String sizeText = a.get("--size", "1GiB");
        long size = Sizes.parse(sizeText);
        if (size < 1) {
            throw new Args.UsageException("--size must be at least 1 byte");
        }
        int small = a.getInt("--small", 2000, 1, 10_000_000);
        int clients = a.getInt("--clients", 16, 1, 1024);
        int rounds = a.getInt("--rounds", 2, 1, 100);
        Path dir = a.has("--dir") ? Path.of(a.get("--dir", null)).toAbsolutePath() : null;
        Path python = a.has("--python") ? Path.of(a.get("--python", null)) : Tools.repoFile(".venv/bin/python");
        String client = a.get("--client", "curl");
        if (!client.equals("curl") && !client.equals("jdk")) {
            throw new Args.UsageException("--client must be curl or jdk, got '" + client + "'");
        }
        int wrkSeconds = a.getInt("--wrk-seconds", 10, 1, 3600);
        return new Options(size, sizeText, small, clients, rounds, dir, python, client, wrkSeconds, a.has("--keep"));
    }

    // ------------------------------------------------------------------------------- the servers

    private static List<HttpClient> clients(int n) {
        List<HttpClient> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(client());
        }
        return list;
    }

    /**
     * {@code send}, retried (at most twice, counted) when the server closed the connection before
     * any byte of a response: uploadserver answers HTTP/1.0 and closes every connection, but
     * without "Connection: close", so java.net.http (JDK 17) may pool the connection and send the
     * next request on it before it notices the close. The server never saw that request.
     */
    private static <T> HttpResponse<T> send(HttpClient client, HttpRequest req, HttpResponse.BodyHandler<T> handler,
                                            AtomicInteger retries) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.send(req, handler);
            } catch (IOException e) {
                if (attempt > 2 || e.getMessage() == null || !e.getMessage().contains("header parser received no bytes")) {
                    throw e;
                }
                retries.incrementAndGet();
            }
        }
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** A node on a random 127.77.x.y (ports 5057-5059), alone in a new ring. */
    private static NodeDaemon startNode(Path dataDir) throws IOException {
        BindException last = null;
        for (int attempt = 0; attempt < 8; attempt++) {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String ip = "127.77." + r.nextInt(1, 255) + "." + r.nextInt(1, 255);
            try {
                NodeDaemon node = NodeDaemon.start(NodeDaemon.Config.of(ip, dataDir));
                node.createRing();
                return node;
            } catch (BindException e) {
                last = e;
            }
        }
        throw last;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static Process startUploadserver(Path python, Path dir, int port, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-m", "uploadserver", "--bind", "127.0.0.1",
                "--directory", dir.toString(), Integer.toString(port));
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        return pb.start();
    }

    private static void awaitUp(Server s, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        HttpRequest req = s.request("/upload", Duration.ofSeconds(2)).build();
        while (true) {
            if (!p.isAlive()) {
                throw new IOException("uploadserver exited with " + p.exitValue() + ": " + Files.readString(log).strip());
            }
            try {
                if (s.client().send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("uploadserver did not answer within 20 s: " + Files.readString(log).strip());
            }
            Thread.sleep(50);
        }
    }

    /** "3.11.7, uploadserver 6.0.5", or null when uploadserver cannot be imported. */
    private static String pythonVersions(Path python) throws Exception {
        Process p = new ProcessBuilder(python.toString(), "-c",
                "import sys, importlib.metadata as m, uploadserver; print(sys.version.split()[0], m.version('uploadserver'))")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            return null;
        }
        String[] parts = out.split(" ");
        return parts.length == 2 ? "Python " + parts[0] + ", uploadserver " + parts[1] : out;
    }

    // ------------------------------------------------------------------------------ large files

    private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);

    static String boundary() {
        return "----chordfs-bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    static byte[] partHead(String boundary, String name) {
        return ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + name + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] partTail(String boundary) {
        return ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * POST /upload, multipart, the file streamed from disk; MB/s. With curl (not null) curl sends it,
     * else java.net.http (multipart head, FileInputStream, tail).
     */
    private static Cell uploadLarge(Server s, Path file, String name, long size, CpuMeter meter, Curl curl) {
        if (curl != null) {
            try {
                CpuMeter.Snapshot cpu = meter.snapshot();
                Curl.Transfer t = curl.postForm(s.base(), file, name);
                CpuMeter.Use use = meter.since(cpu);
                return t.status() == 204 ? Cell.of(t.mbPerSecond(size), use) : Cell.failed("POST /upload: " + t.status());
            } catch (IOException e) {
                return Cell.failed("POST /upload: " + e.getMessage());
            }
        }
        String b = boundary();
        byte[] head = partHead(b, name);
        byte[] tail = partTail(b);
        HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                return new SequenceInputStream(Collections.enumeration(List.<InputStream>of(
                        new ByteArrayInputStream(head), new FileInputStream(file.toFile()), new ByteArrayInputStream(tail))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        HttpRequest req = s.request("/upload", TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + b)
                .POST(HttpRequest.BodyPublishers.fromPublisher(stream, head.length + size + tail.length)).build();
        try {
            CpuMeter.Snapshot cpu = meter.snapshot();
            long t = System.nanoTime();
            HttpResponse<String> r = s.client().send(req, HttpResponse.BodyHandlers.ofString());
            long nanos = System.nanoTime() - t;
            CpuMeter.Use use = meter.since(cpu);
            if (r.statusCode() != 204) {
                return Cell.failed("POST /upload: " + r.statusCode() + " " + abbreviate(r.body()));
            }
            return Cell.of(size / 1e6 / (nanos / 1e9), use);
        } catch (Exception e) {
            return Cell.failed("POST /upload: " + e);
        }
    }

    /**
     * GET /name; MB/s. With curl (not null): into /dev/null, status and size checked ({@link
     * #checkContent} checks the bytes). Else into a file (timed), then its size and SHA-256 checked
     * (not timed), received over HttpURLConnection, as the fs-client does: java.net.http takes large
     * bodies two to three times slower on JDK 17, and as the receiving side it would cap both servers
     * at its own speed.
     */
    private static Cell downloadLarge(Server s, String name, long size, byte[] sha, Path target, CpuMeter meter, Curl curl) {
        if (curl != null) {
            try {
                CpuMeter.Snapshot cpu = meter.snapshot();
                Curl.Transfer t = curl.get(s.base().resolve("/" + name));
                CpuMeter.Use use = meter.since(cpu);
                if (t.status() != 200 || t.downloaded() != size) {
                    return Cell.failed("GET /" + name + ": " + t.status() + ", " + t.downloaded() + " bytes, expected " + size);
                }
                return Cell.of(t.mbPerSecond(size), use);
            } catch (IOException e) {
                return Cell.failed("GET /" + name + ": " + e.getMessage());
            }
        }
        try {
            Files.deleteIfExists(target);
            CpuMeter.Snapshot cpu = meter.snapshot();
            long t = System.nanoTime();
            HttpURLConnection c = (HttpURLConnection) s.base().resolve("/" + name).toURL().openConnection();
            c.setConnectTimeout((int) TIMEOUT.toMillis());
            c.setReadTimeout((int) TIMEOUT.toMillis());
            int status = c.getResponseCode();
            if (status != 200) {
                c.disconnect();
                return Cell.failed("GET /" + name + ": " + status);
            }
            try (InputStream in = c.getInputStream();
                 FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[DOWNLOAD_BUF];
                for (int n; (n = in.read(buf)) > 0; ) {
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            }
            long nanos = System.nanoTime() - t;
            CpuMeter.Use use = meter.since(cpu);
            long got = Files.size(target);
            if (got != size) {
                return Cell.failed("GET /" + name + ": " + got + " bytes, expected " + size);
            }
            if (!Arrays.equals(sha256(target), sha)) {
                return Cell.failed("GET /" + name + ": SHA-256 mismatch");
            }
            return Cell.of(size / 1e6 / (nanos / 1e9), use);
        } catch (Exception e) {
            return Cell.failed("GET /" + name + ": " + e);
        } finally {
            try {
                Files.deleteIfExists(target);
            } catch (IOException e) {
                // left for deleteTree
            }
        }
    }

    /** PUT /name with {@code body} as the raw body (a ChordFS node; 201 or 204). */
    private static void putSmall(Server s, String name, byte[] body) throws IOException, InterruptedException {
        HttpResponse<String> r = s.client().send(s.request("/" + name, Duration.ofSeconds(60))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201 && r.statusCode() != 204) {
            throw new IOException("PUT /" + name + ": " + r.statusCode() + " " + abbreviate(r.body()));
        }
    }

    /** With curl: the SHA-256 of GET /name as curl receives it must be {@code sha} (untimed); without: nothing to do. */
    private static Cell checkContent(Curl curl, Server s, String name, byte[] sha) {
        if (curl == null) {
            return Cell.of(0, null);
        }
        try {
            return Arrays.equals(curl.sha256(s.base().resolve("/" + name)), sha) ? Cell.of(0, null)
                    : Cell.failed("GET /" + name + ": SHA-256 mismatch");
        } catch (Exception e) {
            return Cell.failed("GET /" + name + " (content check): " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------ small files

    private static Phase smallUploads(Server s, String prefix, byte[][] content, int clients, CpuMeter meter)
            throws InterruptedException {
        return concurrent(content.length, clients, meter, (i, c, retries) -> {
            String b = boundary();
            byte[] head = partHead(b, prefix + i + ".bin");
            byte[] tail = partTail(b);
            byte[] body = new byte[head.length + content[i].length + tail.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(content[i], 0, body, head.length, content[i].length);
            System.arraycopy(tail, 0, body, head.length + content[i].length, tail.length);
            HttpRequest req = s.request("/upload", Duration.ofSeconds(60))
                    .header("Content-Type", "multipart/form-data; boundary=" + b)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<String> r;
            try {
                r = send(s.clients().get(c), req, HttpResponse.BodyHandlers.ofString(), retries);
            } catch (IOException e) {
                throw new IOException("POST /upload of " + prefix + i + ".bin: " + chain(e), e);
            }
            if (r.statusCode() != 204) {
                throw new IOException("POST /upload: " + r.statusCode() + " " + abbreviate(r.body()));
            }
        });
    }

    private static Phase smallDownloads(Server s, String prefix, byte[][] content, int clients, CpuMeter meter)
            throws InterruptedException {
        return concurrent(content.length, clients, meter, (i, c, retries) -> {
            String name = prefix + i + ".bin";
            HttpRequest req = s.request("/" + name, Duration.ofSeconds(60)).build();
            HttpResponse<byte[]> r;
            try {
                r = send(s.clients().get(c), req, HttpResponse.BodyHandlers.ofByteArray(), retries);
            } catch (IOException e) {
                throw new IOException("GET /" + name + ": " + chain(e), e);
            }
            if (r.statusCode() != 200) {
                throw new IOException("GET /" + name + ": " + r.statusCode());
            }
            if (!Arrays.equals(r.body(), content[i])) {
                throw new IOException("GET /" + name + ": wrong content (" + r.body().length + " bytes)");
            }
        });
    }

    /** Requests 0..n-1 taken in order by {@code clients} threads, each doing one at a time; meter may be null. */
    private static Phase concurrent(int n, int clients, CpuMeter meter, Op op) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicInteger retries = new AtomicInteger();
        long[] latencies = new long[n];
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < Math.min(clients, n); c++) {
            int client = c;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i; (i = next.getAndIncrement()) < n; ) {
                    long t0 = System.nanoTime();
                    try {
                        op.run(i, client, retries);
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, e.toString());
                    }
                    latencies[i] = System.nanoTime() - t0;
                }
                CpuMeter.clientThreadDone();
            }, "bench-client-" + c);
            t.start();
            threads.add(t);
        }
        CpuMeter.Snapshot cpu = meter == null ? null : meter.snapshot();
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        long nanos = System.nanoTime() - t0;
        return new Phase(nanos, latencies, errors.get(), firstError.get(), retries.get(), cpu == null ? null : meter.since(cpu));
    }

    // --------------------------------------------------------------------------- machine facts

    private static void printMachine(Path work, String pyVersions, double load) throws IOException {
        String cpu = "";
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            cpu = lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> " (" + l.substring(l.indexOf(':') + 1).strip() + ")").orElse("");
        } catch (IOException | UncheckedIOException e) {
            // not Linux
        }
        long ram = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            ram = os.getTotalMemorySize();
        }
        FileStore fs = Files.getFileStore(work);
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores" + cpu + ", "
                + Sizes.format(ram) + " RAM, " + System.getProperty("os.name") + " " + System.getProperty("os.version"));
        System.out.println("java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + ", max heap " + Sizes.format(Runtime.getRuntime().maxMemory()) + "; " + pyVersions);
        System.out.println("disk: " + work + " on " + fs.name() + " (" + fs.type() + "), "
                + Sizes.format(fs.getUsableSpace()) + " free");
        System.out.printf(Locale.ROOT, "load average at start: %.2f (other work may be running on this machine)%n", load);
    }

    /** The disk's fsync write bandwidth, and how many small fsynced files it takes per second. */
    private static void printFsync(Path dir) throws Exception {
        Path f = dir.resolve("probe.bin");
        sync();
        double end = writeAndForce(f, FSYNC_PROBE_BYTES, 0);
        Files.delete(f);
        sync();
        double every = writeAndForce(f, FSYNC_PROBE_BYTES, 4L << 20);
        Files.delete(f);
        sync();
        Phase one = smallFsyncs(dir, 200, 1, null);
        Phase many = smallFsyncs(dir, PROBE_FILES, 16, null);
        System.out.printf(Locale.ROOT, "fsync: %s written then one force: %.0f MB/s; force every 4 MiB: %.0f MB/s;"
                        + " 4 KiB file create+write+fsync: %.0f/s with 1 thread (p50 %.2f ms), %.0f/s with 16 threads%n",
                Sizes.format(FSYNC_PROBE_BYTES), end, every, one.perSecond(), one.percentileMs(0.5), many.perSecond());
    }

    private static double writeAndForce(Path f, long total, long every) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        byte[] bytes = new byte[CHUNK];
        new SplittableRandom(7).nextBytes(bytes);
        buf.put(bytes).flip();
        long t = System.nanoTime();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            long written = 0;
            while (written < total) {
                buf.rewind();
                while (buf.hasRemaining()) {
                    written += ch.write(buf);
                }
                if (every > 0 && written % every == 0) {
                    ch.force(true);
                }
            }
            ch.force(true);
        }
        return total / 1e6 / ((System.nanoTime() - t) / 1e9);
    }

    /** {@code n} new 4 KiB files, each created, written and fsynced, by {@code threads} threads; meter may be null. */
    private static Phase smallFsyncs(Path parent, int n, int threads, CpuMeter meter) throws IOException, InterruptedException {
        byte[] bytes = new byte[SMALL_BYTES];
        new SplittableRandom(11).nextBytes(bytes);
        Path dir = Files.createTempDirectory(parent, "probe-");
        Phase p = concurrent(n, threads, meter, (i, c, retries) -> {
            try (FileChannel ch = FileChannel.open(dir.resolve("small-" + i), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
        });
        if (p.errors() > 0) {
            throw new IOException("fsync probe failed: " + p.firstError());
        }
        return p;
    }

    // --------------------------------------------------------------------------------- helpers

    /** Writes {@code size} random bytes to {@code f} a chunk at a time; returns their SHA-256. */
    static byte[] generate(Path f, long size) throws IOException {
        MessageDigest sha = sha256();
        byte[] chunk = new byte[CHUNK];
        SplittableRandom random = new SplittableRandom(ThreadLocalRandom.current().nextLong());
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(chunk);
            for (long left = size; left > 0; ) {
                int n = (int) Math.min(CHUNK, left);
                random.nextBytes(chunk);
                sha.update(chunk, 0, n);
                buf.clear().limit(n);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                left -= n;
            }
        }
        return sha.digest();
    }

    private static byte[] sha256(Path f) throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            while (ch.read(buf.clear()) >= 0) {
                sha.update(buf.flip());
            }
        }
        return sha.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Flushes every dirty page of the machine, so a measurement does not pay for earlier writes. */
    static void sync() {
        try {
            Process p = new ProcessBuilder("sync").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(120, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no sync(1): measurements may then include writeback of earlier phases
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void progress(String what, Server s, Cell c, String unit) {
        System.out.printf(Locale.ROOT, "  %-34s %-13s %s%n", what, s.label(),
                c.ok() ? String.format(Locale.ROOT, "%.1f %s", c.value(), unit) : "FAILED: " + c.error());
        if (c.cpu() != null) {
            System.out.println("      " + c.cpu());
        }
    }

    /** The head of a table whose second column is {@code theirs}. */
    private static void header(String theirs) {
        System.out.printf(Locale.ROOT, "%-50s %10s %13s %8s %7s  %s%n", "metric", "ChordFS", theirs, "ratio", "goal", "verdict");
    }

    private static void row(String metric, Cell[] c, double goal) {
        String ours = c[0].ok() ? String.format(Locale.ROOT, "%.1f", c[0].value()) : "failed";
        String theirs = c[1].ok() ? String.format(Locale.ROOT, "%.1f", c[1].value()) : "failed";
        String ratio = "";
        String verdict = "";
        if (c[0].ok() && c[1].ok()) {
            double r = c[0].value() / c[1].value();
            ratio = String.format(Locale.ROOT, "%.2fx", r);
            verdict = r >= goal ? "met"
                    : String.format(Locale.ROOT, "MISSED: %.0f%% of the goal, ChordFS needs %.1f (+%.0f%%)",
                    100 * r / goal, goal * c[1].value(), 100 * (goal * c[1].value() / c[0].value() - 1));
        } else {
            verdict = "no ratio: " + (c[0].ok() ? c[1].error() : c[0].error());
        }
        System.out.printf(Locale.ROOT, "%-50s %10s %13s %8s %7s  %s%n", metric, ours, theirs, ratio,
                ">= " + BigDecimal.valueOf(goal).stripTrailingZeros().toPlainString() + "x", verdict);
    }

    private static String retried(Phase p) {
        return p.retries() == 0 ? "" : " (" + p.retries() + " requests resent: connection closed before any response byte)";
    }

    private static String chain(Throwable e) {
        StringBuilder b = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            b.append(" <- ").append(c);
        }
        return b.toString();
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String abbreviate(String s) {
        String t = s == null ? "" : s.replaceAll("\\s+", " ").strip();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("bench: could not delete " + p + ": " + e.getMessage());
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("bench: could not clean up " + root + ": " + e.getMessage());
        }
    }
}
