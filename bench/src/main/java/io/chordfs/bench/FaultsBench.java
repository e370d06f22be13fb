package io.chordfs.bench;

import io.chordfs.client.ClientCli;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.manifest.Manifest;
import io.chordfs.core.net.RingQuery;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.Ring;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The fault-injection suite (issue 7): {@code java -jar bench/target/bench.jar faults [options]}.
 * Real node processes ({@code io.chordfs.node.Main run}) on one random 127.X.Y.0/24 range with the
 * real ports (on 198.18.X.0/24 with a network namespace when the partition scenario can run for
 * real), a writer uploading files through {@code fs-client upload} (small chunks, so many files are
 * chunked) to random nodes, a record of every acknowledged upload with its SHA-256, and one kind of
 * fault per scenario. After each round: every acknowledged file must download byte for byte,
 * {@code fs-client fsck} must report R copies within a bound, and no node may have died that was
 * not killed on purpose.
 */
public final class FaultsBench {
    static final String USAGE = """
              faults [--nodes 5] [--rounds 1] [--files-per-round 30] [--bound-s 120]
                     [--scenarios kill1,kill2,sigterm,restart,join,flip,stop,diskfull,partition,
                                  reupload,concurrent,collision,skew,intruder]
                                        fault injection with real node processes (issue 7): kill -9 of
                                        one / two nodes, SIGTERM, restart on the old data directory, a
                                        join mid-stream, bit flips in stored files, SIGSTOP/SIGCONT, a
                                        node on a small disk that fills up (tmpfs; a --capacity quota
                                        without root), a node cut off by a network partition (ip netns;
                                        SIGSTOP without root); and (issue 14) a re-upload killed -9 part
                                        way under readers, concurrent uploads of one name, a plain file
                                        named like a chunk, a wiped node rejoining an hour behind
                                        (faketime); and (issue 15) outsiders beside a ring of its own with a
                                        cluster secret: nodes without the secret placed by --id right after
                                        a file's key, forged goodbyes and notifies, a node with the wrong
                                        secret, then kill -9 of them; then every acknowledged file is read
                                        back and R copies timed (at least --files-per-round uploads per
                                        round). Exit 1 on a lost file, a wrong answer, an unexpected death
                                        or no R copies in time
            """;

    static final List<String> ALL = List.of("kill1", "kill2", "sigterm", "restart", "join", "flip", "stop", "diskfull",
            "partition", "reupload", "concurrent", "collision", "skew", "intruder");
    private static final long WRITER_CHUNK = 16 * 1024;
    /** The replicas of every name (node-daemon's default --replicas, which the nodes here run with). */
    private static final int REPLICAS = 3;
    /** The chunk size of the data-safety scenarios' larger files. */
    private static final long BIG_CHUNK = 1 << 20;
    private static final int CONCURRENT_ROUNDS = 4;
    private static final int CONCURRENT_UPLOADS = 4;
    private static final int SKEW_FILES = 20;
    /**
     * The skew scenario's node runs an hour behind: libfaketime's setting, as {@code faketime -f -1h}
     * gives it. The library is preloaded through {@code env}, which execs the JVM, so that the
     * process the suite holds (and kills -9) is the node itself; the faketime program forks it and
     * waits, and killing it left the node running.
     */
    private static final String FAKETIME = "FAKETIME=-1h";
    private static final long SMALL_DISK_MIN = 512 * 1024;
    private static final long SMALL_DISK_HEALED = 1L << 30;
    /** How long a stopped or full node stays so while writes go on. */
    private static final long FAULT_HOLD_MS = 8_000;
    /** A partition lasts long enough for the node cut off to lose all 5 successors (5 s RPC timeout each). */
    private static final long PARTITION_HOLD_MS = 40_000;
    /**
     * How long the intruder scenario's outsiders run beside the ring, from when they think they
     * joined until the read-back and the forged calls, while the writer goes on: on the code before
     * issue 15 a node without the secret was a member holding copies within 25 s at the default
     * 500 ms stabilize period, within 10 s at this suite's 200 ms.
     */
    private static final long INTRUDER_HOLD_MS = 20_000;
    /** How long, and how often, the intruder scenario sends its forged goodbyes and notifies. */
    private static final long FORGE_MS = 10_000;
    private static final long FORGE_EVERY_MS = 200;
    /** Nodes without the secret that the intruder scenario places right after one acknowledged file's key. */
    private static final int INTRUDERS = 3;

    /** One node process. */
    static final class Node {
        final String ip;
        final Path dataDir;
        final Path log;
        /** Command prefix, e.g. to run inside a network namespace; empty otherwise. */
        final List<String> wrap;
        /** Options beyond the common ones, e.g. --capacity. */
        final List<String> extra;
        Process process;
        volatile boolean intended;   // killed / stopped on purpose
        volatile boolean paused;     // SIGSTOP, or cut off by a partition: neither writer nor checker use it
        volatile boolean ready;      // seen in every member's ring walk: the writer and checker may use it
        volatile boolean outsider;   // an intruder (intruder scenario): not a member, never used by writer or checker

        Node(String ip, Path dataDir, Path log, List<String> wrap, List<String> extra) {
            this.ip = ip;
            this.dataDir = dataDir;
            this.log = log;
            this.wrap = wrap;
            this.extra = extra;
        }

        /** The same node again, on its old data directory. */
        Node again(List<String> otherExtra) {
            return again(wrap, otherExtra);
        }

        /** The same node again, on its old data directory, started with another command prefix. */
        Node again(List<String> otherWrap, List<String> otherExtra) {
            return new Node(ip, dataDir, log, otherWrap, otherExtra);
        }
    }

    /**
     * An injected fault: replication is timed from {@code replFrom}; a fault that lasts is ended by
     * {@code heal}, not before {@code healNotBefore}, which then sets the time replication is timed from.
     */
    private record Fault(long replFrom, Heal heal, long healNotBefore) {
        static Fault instant() {
            return new Fault(System.currentTimeMillis(), null, 0);
        }

        static Fault lasting(Heal heal, long holdMs) {
            return new Fault(0, heal, System.currentTimeMillis() + holdMs);
        }
    }

    private interface Heal {
        void run() throws Exception;
    }

    record Row(String scenario, int rounds, int acked, int lost, int wrong, long replMaxMs, int deaths, List<String> notes) {}

    private final Path runDir;
    private final String prefix;
    private final String jar;
    private final List<Node> nodes = new CopyOnWriteArrayList<>();
    private final Map<String, String> acked = new ConcurrentHashMap<>();   // name -> sha256 of the file
    /** Stored object (plain file or chunk, not manifest) -> sha256 of its bytes: what a flipped copy must become again. */
    private final Map<String, String> stored = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Walks the ring from one node over Chord RPC: the membership check, without fs-client's per-node stats. */
    private final RpcClient rpc = new RpcClient(RpcLimits.defaults());
    private final RingQuery ringQuery = new RingQuery(rpc, Duration.ofSeconds(5));
    private final AtomicInteger seq = new AtomicInteger();
    private int nextIndex = 11;
    /** Set when the partition scenario runs for real; the whole ring then lives on its /24. */
    private final Netns netns;
    private final List<SmallDisk> smallDisks = new CopyOnWriteArrayList<>();
    /** Stored files this round's bit flips damaged: node, path; R copies count as back only once each is whole again. */
    private final List<Map.Entry<Node, Path>> flipped = new CopyOnWriteArrayList<>();
    /** Files found lost, or damaged bytes served, during the fault itself (beyond what the checker finds after it). */
    private int lostInFault;
    /**
     * Answers this round that contradict what was acknowledged or promised, though nothing may be
     * lost yet: a reader given an error, a cut body or a version it may not see; a client that
     * succeeded where it must fail, or the reverse. Any makes the suite fail, as a loss does.
     */
    private final AtomicInteger wrong = new AtomicInteger();
    /** Set while a scenario needs the ring quiet: the writer waits. */
    private volatile boolean writerHeld;
    /** Acknowledged writes (a name written again counts again). */
    private final AtomicInteger writesAcked = new AtomicInteger();
    private final long boundMs;
    /** The ring's cluster secret (its members get it as CHORDFS_CLUSTER_SECRET), or null: none. */
    private final String secret;
    /** The intruder scenario's ring, a suite of its own with a cluster secret, while it runs. */
    private volatile FaultsBench secretRing;

    private FaultsBench(Path runDir, long boundMs, Netns netns, String secret) throws Exception {
        this.runDir = runDir;
        this.boundMs = boundMs;
        this.netns = netns;
        this.secret = secret;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        this.prefix = netns != null ? netns.prefix() : "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + ".";
        this.jar = Tools.benchJar().toString();
    }

    public static void run(String[] argv) throws Exception {
        int n = 5;
        int rounds = 1;
        int perRound = 30;
        long boundS = 120;
        List<String> scenarios = ALL;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (i + 1 >= argv.length) {
                usage("missing value for " + a);
            }
            String v = argv[++i];
            switch (a) {
                case "--nodes" -> n = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--files-per-round" -> perRound = Integer.parseInt(v);
                case "--bound-s" -> boundS = Long.parseLong(v);
                case "--scenarios" -> scenarios = List.of(v.split(","));
                default -> usage("unknown option " + a);
            }
        }
        for (String s : scenarios) {
            if (!ALL.contains(s)) {
                usage("unknown scenario " + s + " (known: " + String.join(",", ALL) + ")");
            }
        }
        if (n < 4) {
            usage("--nodes must be at least 4 (kill2 leaves N-2 nodes and R = 3)");
        }
        System.out.println("command: java -jar bench/target/bench.jar faults " + String.join(" ", argv));
        Path runDir = Files.createTempDirectory("chordfs-faults-");
        Netns netns = null;
        if (scenarios.contains("partition")) {
            try {
                netns = Netns.create();
                System.out.println("partition: a real one, " + netns.describe());
            } catch (IOException e) {
                System.out.println("partition: no network namespace here (" + e.getMessage()
                        + "); SIGSTOP/SIGCONT stands in for it");
            }
        }
        FaultsBench b = new FaultsBench(runDir, boundS * 1000, netns, null);
        System.out.println("run directory (node logs, data): " + runDir);
        Runtime.getRuntime().addShutdownHook(new Thread(b::cleanup, "faults-cleanup"));
        long t0 = System.nanoTime();
        int code = b.suite(n, rounds, perRound, scenarios);
        System.out.printf(Locale.ROOT, "total time %.1f s; node logs in %s%n", (System.nanoTime() - t0) / 1e9, runDir);
        b.cleanup();
        System.exit(code);
    }

    private static void usage(String msg) {
        System.err.println("bench faults: " + msg);
        System.exit(2);
    }

    // ---------------------------------------------------------------- the suite

    private int suite(int n, int rounds, int perRound, List<String> scenarios) throws Exception {
        if (!scenarios.stream().allMatch("intruder"::equals)) {
            for (int i = 0; i < n; i++) {
                startNode(null);
            }
            waitRing(n, 90_000);
            log("ring ready: " + n + " nodes on " + prefix + "0/24");
        }
        List<Row> rows = new ArrayList<>();
        boolean failed = false;
        int elsewhere = 0;   // files acknowledged on the intruder scenario's own ring
        for (String scenario : scenarios) {
            // The intruder scenario needs a cluster secret, which skew cannot have (proofs need clocks
            // within 5 minutes): it runs on a ring of its own, with the same writer, checker and fsck.
            FaultsBench on = scenario.equals("intruder") ? startSecretRing(n) : this;
            int ackedBefore = on.writesAcked.get();
            int lost = 0;
            int wrongAnswers = 0;
            int deaths = 0;
            long replMax = 0;
            List<String> notes = new ArrayList<>();
            try {
                for (int round = 1; round <= rounds; round++) {
                    log("== " + scenario + " round " + round + "/" + rounds);
                    RoundResult rr = on.round(scenario, n, perRound, notes);
                    lost += rr.lost;
                    wrongAnswers += rr.wrong;
                    deaths += rr.deaths;
                    replMax = Math.max(replMax, rr.replMs < 0 ? Long.MAX_VALUE : rr.replMs);
                    // Replace what was killed so the ring stays at N (a join round leaves N+1: take the extra one out gracefully).
                    on.restoreRing(n, notes);
                }
            } catch (IllegalStateException e) {
                if (on == this) {
                    throw e;
                }
                // The secret ring is thrown away after its scenario: a ring that never became one again fails the row.
                wrongAnswers++;
                notes.add("FAILED: " + e.getMessage());
                log("FAILED: " + e.getMessage());
            } finally {
                if (on != this) {
                    elsewhere += on.acked.size();
                    on.cleanup();
                    secretRing = null;
                    log("the intruder scenario's ring stopped");
                }
            }
            Row row = new Row(scenario, rounds, on.writesAcked.get() - ackedBefore, lost, wrongAnswers, replMax, deaths, notes);
            rows.add(row);
            if (lost > 0 || wrongAnswers > 0 || deaths > 0 || replMax == Long.MAX_VALUE) {
                failed = true;
            }
        }
        printTable(rows);
        System.out.println("acknowledged files in total: " + (acked.size() + elsewhere)
                + (elsewhere > 0 ? " (" + elsewhere + " of them on the intruder scenario's ring)" : ""));
        return failed ? 1 : 0;
    }

    /**
     * The intruder scenario's ring: N nodes of their own (another 127.X.Y.0/24, a run directory of
     * their own under this one) whose members share a random cluster secret, given to them as
     * CHORDFS_CLUSTER_SECRET; stopped after the scenario.
     */
    private FaultsBench startSecretRing(int n) throws Exception {
        byte[] s = new byte[16];
        new java.security.SecureRandom().nextBytes(s);
        String ringSecret = HexFormat.of().formatHex(s);
        FaultsBench b;
        do {
            b = new FaultsBench(Files.createDirectories(runDir.resolve("secret-ring")), boundMs, null, ringSecret);
        } while (b.prefix.equals(prefix));
        secretRing = b;
        for (int i = 0; i < n; i++) {
            b.startNode(null);
        }
        b.waitRing(n, 90_000);
        log("the intruder scenario's ring ready: " + n + " nodes with a cluster secret on " + b.prefix + "0/24 (logs in "
                + b.runDir + ")");
        return b;
    }

    record RoundResult(int lost, int wrong, int deaths, long replMs) {}

    private RoundResult round(String scenario, int n, int perRound, List<String> notes) throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger roundAcked = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        Thread writer = new Thread(() -> writeLoop(writing, roundAcked, rejected), "writer");
        writer.setDaemon(true);
        writer.start();
        waitFor(() -> roundAcked.get() >= perRound / 2, 60_000);

        Fault fault = inject(scenario, notes);

        waitFor(() -> roundAcked.get() >= perRound, 120_000);
        long healedAt = fault.replFrom();
        if (fault.heal() != null) {
            // A lasting fault holds while writes go on, then ends.
            long left = fault.healNotBefore() - System.currentTimeMillis();
            if (left > 0) {
                Thread.sleep(left);
            }
            fault.heal().run();
            healedAt = System.currentTimeMillis();
        }
        writing.set(false);
        writer.join(30_000);
        if (roundAcked.get() < perRound) {
            notes.add("only " + roundAcked.get() + "/" + perRound + " uploads acknowledged in time");
        }
        if (rejected.get() > 0) {
            notes.add(rejected.get() + " uploads not acknowledged (expected during faults)");
        }
        long replMs = waitReplicated(healedAt);
        if (replMs < 0) {
            notes.add("R copies not back within " + boundMs / 1000 + " s");
        }
        int lost = checkAll(notes) + lostInFault;
        lostInFault = 0;
        int wrongAnswers = wrong.getAndSet(0);
        int deaths = 0;
        for (Node x : nodes) {
            if (!x.intended && !x.process.isAlive()) {
                deaths++;
                notes.add("UNEXPECTED DEATH of " + x.ip + " (exit " + x.process.exitValue() + "), log " + x.log);
                x.intended = true;   // count it once
            }
        }
        log(String.format(Locale.ROOT, "round done: %d acked this round, lost %d, wrong answers %d, replication %s, deaths %d",
                roundAcked.get(), lost, wrongAnswers, replMs < 0 ? "NOT BACK" : (replMs / 1000.0) + " s", deaths));
        return new RoundResult(lost, wrongAnswers, deaths, replMs);
    }

    /** Injects the fault. */
    private Fault inject(String scenario, List<String> notes) throws Exception {
        List<Node> live = live();
        Collections.shuffle(live);
        switch (scenario) {
            case "kill1" -> {
                Node v = live.get(0);
                kill9(v);
            }
            case "kill2" -> {
                Node a = live.get(0);
                Node b = live.get(1);
                a.intended = true;
                b.intended = true;
                a.process.destroyForcibly();
                b.process.destroyForcibly();
                log("kill -9 " + a.ip + " and " + b.ip + " at once");
            }
            case "sigterm" -> {
                Node v = live.get(0);
                v.intended = true;
                long t = System.nanoTime();
                v.process.destroy();
                log("SIGTERM " + v.ip);
                // The writer goes on while it leaves; wait for its exit in the background of this round.
                Thread waiter = new Thread(() -> {
                    try {
                        boolean gone = v.process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
                        log("  " + v.ip + (gone ? " exited with " + v.process.exitValue() + " after "
                                + (System.nanoTime() - t) / 1_000_000 + " ms" : " still running 120 s after SIGTERM"));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                waiter.setDaemon(true);
                waiter.start();
            }
            case "restart" -> {
                Node v = live.get(0);
                kill9(v);
                Thread.sleep(1500);
                nodes.remove(v);
                launch(v.again(v.extra), live.get(1).ip);
                long at = System.currentTimeMillis();
                waitRing(live.size(), 90_000);
                log("restarted " + v.ip + " on its old data directory; in the ring after "
                        + (System.currentTimeMillis() - at) + " ms");
                return new Fault(at, null, 0);
            }
            case "join" -> {
                Node x = startNode(live.get(0).ip);
                long at = System.currentTimeMillis();
                waitRing(live.size() + 1, 90_000);
                log("new node " + x.ip + " joined mid-stream; in the ring after " + (System.currentTimeMillis() - at) + " ms");
                return new Fault(at, null, 0);
            }
            case "flip" -> {
                int flipped = 0;
                for (Node v : live.subList(0, Math.min(2, live.size()))) {
                    flipped += flip(v, 3, notes);
                }
                log("flipped a byte in " + flipped + " stored files");
                readDamaged(notes);
            }
            case "stop" -> {
                return stop(live.get(0));
            }
            case "diskfull" -> {
                return diskFull(live, notes);
            }
            case "partition" -> {
                if (netns == null) {
                    notes.add("SIGSTOP/SIGCONT stood in for the partition (no network namespace here)");
                    return stop(live.get(0));
                }
                return partition(live, notes);
            }
            case "reupload" -> {
                return reupload(live, notes);
            }
            case "concurrent" -> {
                return concurrent(live, notes);
            }
            case "collision" -> {
                return collision(live, notes);
            }
            case "skew" -> {
                return skew(live, notes);
            }
            case "intruder" -> {
                return intruder(live, notes);
            }
            default -> throw new IllegalArgumentException(scenario);
        }
        return Fault.instant();
    }

    private Fault stop(Node v) throws Exception {
        v.intended = true;   // not counted as a death while paused
        v.paused = true;
        Shell.run("kill", "-STOP", Long.toString(v.process.pid()));
        log("SIGSTOP " + v.ip);
        return Fault.lasting(() -> {
            Shell.run("kill", "-CONT", Long.toString(v.process.pid()));
            v.paused = false;
            v.intended = false;
            log("SIGCONT " + v.ip);
        }, FAULT_HOLD_MS);
    }

    /**
     * A new node joins on a disk too small for its share, so its handover and the writes it owns
     * or replicates fail with ENOSPC; then the disk grows (an operator freed space). Without root,
     * a --capacity quota stands in, and the node is restarted without it instead.
     */
    private Fault diskFull(List<Node> live, List<String> notes) throws Exception {
        long used = 0;
        for (Node x : live) {
            used += du(x.dataDir);
        }
        long size = Math.max(SMALL_DISK_MIN, used / live.size() / 2);
        String ip = prefix + nextIndex++;
        Path dir = runDir.resolve(ip);
        Files.createDirectories(dir);
        SmallDisk disk = null;
        try {
            disk = SmallDisk.mount(dir, size);
            smallDisks.add(disk);
        } catch (IOException e) {
            notes.add("a --capacity quota stood in for a small disk (" + e.getMessage() + ")");
        }
        List<String> extra = disk != null ? List.of() : List.of("--capacity", Long.toString(size));
        Node x = newNode(ip, dir, List.of(), extra);
        launch(x, live.get(0).ip);
        waitRing(live.size() + 1, 90_000);
        log("new node " + x.ip + " joined on a " + size / 1024 + " KiB " + (disk != null ? "tmpfs" : "quota")
                + " (the others hold " + used / live.size() / 1024 + " KiB each)");
        long[] leastFree = {Long.MAX_VALUE};
        Thread watch = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted() && x.process.isAlive()) {
                try {
                    leastFree[0] = Math.min(leastFree[0], disk(x));
                } catch (IOException ignored) {
                    // mid-remount
                }
                sleep(200);
            }
        }, "disk-watch");
        watch.setDaemon(true);
        watch.start();
        SmallDisk mounted = disk;
        return Fault.lasting(() -> {
            watch.interrupt();
            watch.join();
            notes.add(String.format(Locale.ROOT, "%s on a %d KiB %s: the least free space seen was %d KiB", x.ip, size / 1024,
                    mounted != null ? "tmpfs" : "quota", leastFree[0] / 1024));
            if (mounted != null) {
                mounted.resize(SMALL_DISK_HEALED);
                log("grew the disk of " + x.ip + " to " + SMALL_DISK_HEALED / (1 << 20) + " MiB");
            } else {
                kill9(x);
                Thread.sleep(1500);
                nodes.remove(x);
                Node bigger = x.again(List.of());
                launch(bigger, live.get(0).ip);
                waitRing(live.size() + 1, 90_000);
                log("restarted " + x.ip + " without its quota");
            }
        }, FAULT_HOLD_MS);
    }

    /** Free bytes where the node's data lives: its tmpfs, or its quota less what it holds. */
    private static long disk(Node x) throws IOException {
        int i = x.extra.indexOf("--capacity");
        if (i >= 0) {
            return Long.parseLong(x.extra.get(i + 1)) - du(x.dataDir);
        }
        return Files.getFileStore(x.dataDir).getUsableSpace();
    }

    /**
     * A new node joins from inside the network namespace, takes its share, and is then cut off
     * while writes go on; after the partition heals, the ring must become one again.
     */
    private Fault partition(List<Node> live, List<String> notes) throws Exception {
        Node g = null;
        for (Node x : live) {
            if (!x.wrap.isEmpty()) {
                g = x;
            }
        }
        int members = live.size();
        if (g == null) {
            String ip = netns.newGuestAddress();
            Path dir = runDir.resolve(ip);
            Files.createDirectories(dir);
            g = newNode(ip, dir, netns.exec(), List.of());
            launch(g, live.get(0).ip);
            members++;
            waitRing(members, 90_000);
            log("new node " + g.ip + " joined from inside the network namespace");
        }
        Node cut = g;
        netns.cut();
        cut.paused = true;
        log("partition: " + cut.ip + " cut off from every other node and from the clients");
        int ring = members;
        return Fault.lasting(() -> {
            netns.heal();
            cut.paused = false;
            long at = System.currentTimeMillis();
            log("partition healed");
            waitRing(ring, 90_000);
            notes.add(cut.ip + " cut off for " + PARTITION_HOLD_MS / 1000 + " s" + (alone(cut) ? " (a ring of one by then)" : "")
                    + "; one ring of " + ring + " again " + (System.currentTimeMillis() - at) + " ms after the partition healed");
        }, PARTITION_HOLD_MS);
    }

    // ---------------------------------------------------------------- data safety (issue 14)

    /**
     * reupload: v1 of a chunked file (17 MiB in 1 MiB chunks) is stored; an {@code fs-client upload}
     * of v2 under the same name, a process of its own, is killed -9 once a quarter of its chunks
     * have their R copies, while readers GET the name from the other nodes: every answer must be v1
     * whole, during the upload and after the kill. Then v2 is uploaded again, uninterrupted, under
     * new readers: v1 or v2 whole until fs-client exits 0, v2 from then on, from every node.
     */
    private Fault reupload(List<Node> live, List<String> notes) throws Exception {
        Node entry = live.get(0);
        List<Node> others = List.copyOf(live.subList(1, live.size()));
        String name = "reup-" + seq.incrementAndGet();
        int size = 16 * (int) BIG_CHUNK + ThreadLocalRandom.current().nextInt(1, (int) BIG_CHUNK);
        int chunks = (int) ((size + BIG_CHUNK - 1) / BIG_CHUNK);
        Path dir = Files.createDirectories(runDir.resolve("reupload"));
        byte[] b1 = randomBytes(size, size + 1);
        byte[] b2 = randomBytes(size, size + 1);
        Path v1 = Files.write(dir.resolve(name + ".v1"), b1);
        Path v2 = Files.write(dir.resolve(name + ".v2"), b2);
        String s1 = sha256(b1);
        String s2 = sha256(b2);
        String[] upload1 = {"upload", v1.toString(), entry.ip, "--name", name, "--chunk-size", Long.toString(BIG_CHUNK), "--quiet"};
        String[] upload2 = {"upload", v2.toString(), entry.ip, "--name", name, "--chunk-size", Long.toString(BIG_CHUNK), "--quiet"};
        int code = waitClient(startClient(upload1));
        if (code != 0) {
            wrong.incrementAndGet();
            notes.add("v1 of " + name + ": fs-client upload exited " + code + " (see clients.log)");
            return Fault.instant();
        }
        remember(name, b1, BIG_CHUNK);
        log("  " + name + " v1 stored: " + chunks + " chunks of 1 MiB through " + entry.ip);

        // v2, killed -9 part way, while readers on the other nodes must get v1 whole every time
        Readers killed = new Readers(name, others, Set.of(s1));
        long since = System.currentTimeMillis() - 1;
        Process p = startClient(upload2);
        int want = REPLICAS * Math.max(2, chunks / 4);
        int seen = 0;
        long deadline = System.currentTimeMillis() + 60_000;
        while (p.isAlive() && (seen = copiesSince(since, BIG_CHUNK)) < want && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        boolean finished = !p.isAlive();
        p.destroyForcibly();
        p.waitFor();
        log("  kill -9 of v2's fs-client upload (pid " + p.pid() + ") with " + seen + " chunk copies of " + REPLICAS * chunks
                + " stored" + (finished ? ": TOO LATE, it had exited " + p.exitValue() : ""));
        if (finished) {
            wrong.incrementAndGet();
            notes.add("the upload of v2 ended (exit " + p.exitValue() + ") before it could be killed: nothing tested");
            killed.stop();
            if (p.exitValue() == 0) {
                remember(name, b2, BIG_CHUNK);
            }
            return Fault.instant();
        }
        Thread.sleep(3_000);
        killed.close("during v2's upload and after its kill -9 (" + seen + "/" + REPLICAS * chunks + " chunk copies stored)",
                "v1 whole", notes);
        fromEveryNode(name, Set.of(s1), "after the kill -9 of v2's upload, GET " + name, notes);

        // v2 again, uninterrupted (it resumes the killed upload): v1 or v2 whole until acknowledged, then v2
        Readers whole = new Readers(name, others, Set.of(s1, s2));
        code = waitClient(startClient(upload2));
        if (code == 0) {
            whole.allow(Set.of(s2));
            remember(name, b2, BIG_CHUNK);
            Thread.sleep(1_000);
        } else {
            wrong.incrementAndGet();
            notes.add("the uninterrupted upload of v2 exited " + code + " (see clients.log)");
        }
        whole.close("during the uninterrupted re-upload and after it", "v1 or v2 whole, v2 once acknowledged", notes);
        fromEveryNode(name, Set.of(code == 0 ? s2 : s1), "after the re-upload, GET " + name, notes);
        Files.delete(v1);
        Files.delete(v2);
        return Fault.instant();
    }

    /**
     * concurrent: 4 fs-client uploads of one name at once (3-7 MiB of different contents, 1 MiB
     * chunks, through different nodes), 4 times: each must exit 0, and then every node must serve
     * the same one of them, whole.
     */
    private Fault concurrent(List<Node> live, List<String> notes) throws Exception {
        Path dir = Files.createDirectories(runDir.resolve("concurrent"));
        for (int round = 1; round <= CONCURRENT_ROUNDS; round++) {
            String name = "conc-" + seq.incrementAndGet();
            byte[][] bodies = new byte[CONCURRENT_UPLOADS][];
            List<String> shas = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_UPLOADS; i++) {
                int size = ThreadLocalRandom.current().nextInt(3 * (int) BIG_CHUNK + 1, 7 * (int) BIG_CHUNK);
                bodies[i] = randomBytes(size, size + 1);
                shas.add(sha256(bodies[i]));
            }
            int[] codes = new int[CONCURRENT_UPLOADS];
            String[] errs = new String[CONCURRENT_UPLOADS];
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(CONCURRENT_UPLOADS);
            List<Thread> uploads = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_UPLOADS; i++) {
                int u = i;
                Path file = Files.write(dir.resolve(name + "." + u), bodies[u]);
                Node via = live.get(u % live.size());
                Thread t = new Thread(() -> {
                    ByteArrayOutputStream err = new ByteArrayOutputStream();
                    try {
                        start.await();
                    } catch (Exception e) {
                        return;
                    }
                    codes[u] = ClientCli.run(new String[] {"upload", file.toString(), via.ip, "--name", name,
                            "--chunk-size", Long.toString(BIG_CHUNK), "--quiet"}, new PrintStream(OutputStream.nullOutputStream()),
                            new PrintStream(err, true, StandardCharsets.UTF_8));
                    errs[u] = err.toString(StandardCharsets.UTF_8).trim();
                }, "upload-" + u);
                t.start();
                uploads.add(t);
            }
            for (Thread t : uploads) {
                t.join(120_000);
            }
            List<String> exits = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_UPLOADS; i++) {
                exits.add(Integer.toString(codes[i]));
                if (codes[i] != 0) {
                    wrong.incrementAndGet();
                    notes.add(name + ": upload #" + (i + 1) + " of " + CONCURRENT_UPLOADS + " exited " + codes[i] + ": " + errs[i]);
                }
                Files.delete(dir.resolve(name + "." + i));
            }
            // every node: one of them, whole, the same one
            Map<String, String> servedBy = new LinkedHashMap<>();   // node -> "#k" or what went wrong
            for (Node x : live()) {
                try {
                    HttpResponse<byte[]> r = fetch(x, name);
                    int k = shas.indexOf(r.statusCode() == 200 ? sha256(r.body()) : "");
                    servedBy.put(x.ip, r.statusCode() != 200 ? "HTTP " + r.statusCode()
                            : k >= 0 ? "#" + (k + 1) : "a mix (" + r.body().length + " bytes)");
                } catch (IOException e) {
                    servedBy.put(x.ip, e.toString());
                }
            }
            long whole = servedBy.values().stream().filter(s -> s.startsWith("#")).count();
            long versions = servedBy.values().stream().filter(s -> s.startsWith("#")).distinct().count();
            String verdict = "round " + round + ": exits " + String.join(",", exits) + "; served " + servedBy;
            log("  " + name + " " + verdict);
            int acks = (int) Arrays.stream(codes).filter(c -> c == 0).count();
            if (whole == servedBy.size() && versions == 1) {
                int k = Integer.parseInt(servedBy.values().iterator().next().substring(1)) - 1;
                writesAcked.addAndGet(Math.max(0, acks - 1));   // the others that were acknowledged, then superseded
                remember(name, bodies[k], BIG_CHUNK);
                notes.add(name + " " + verdict);
            } else {
                wrong.addAndGet((int) (servedBy.size() - whole) + (versions > 1 ? 1 : 0));
                writesAcked.addAndGet(acks);
                if (whole == 0 && acks > 0) {
                    lostInFault++;   // every acknowledged version of the name
                }
                notes.add((whole == 0 ? "LOST " : "WRONG ") + name + " " + verdict);
            }
        }
        return Fault.instant();
    }

    /**
     * collision: a plain file named like a chunk ({@code z_chunk_1}, through the upload form) must
     * survive a chunked upload of {@code z} (which must exit 1 naming it) and {@code fs-client rm z};
     * and a raw PUT of a live chunk's name ({@code y_chunk_1} of a chunked y) must get 409 and leave y whole.
     */
    private Fault collision(List<Node> live, List<String> notes) throws Exception {
        Path dir = Files.createDirectories(runDir.resolve("collision"));
        String z = "z-" + seq.incrementAndGet();
        String plainName = Manifest.chunkName(z, 1);
        byte[] plain = randomBytes(1, (int) WRITER_CHUNK);
        int status = postForm(live.get(0), plainName, plain);
        log("  POST /upload of a plain " + plainName + " through " + live.get(0).ip + ": HTTP " + status);
        if (status != 204) {
            wrong.incrementAndGet();
            notes.add("POST /upload of " + plainName + ": HTTP " + status + ", not 204");
            return Fault.instant();
        }
        remember(plainName, plain, WRITER_CHUNK);
        Set<String> plainSha = Set.of(sha256(plain));

        int size = 3 * (int) BIG_CHUNK + ThreadLocalRandom.current().nextInt(1, (int) BIG_CHUNK);
        Path zFile = Files.write(dir.resolve(z), randomBytes(size, size + 1));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ClientCli.run(new String[] {"upload", zFile.toString(), live.get(1).ip, "--name", z, "--chunk-size",
                Long.toString(BIG_CHUNK), "--quiet"}, new PrintStream(OutputStream.nullOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String said = err.toString(StandardCharsets.UTF_8).trim();
        log("  fs-client upload of a 4-chunk " + z + ": exit " + code + (said.isEmpty() ? "" : ", " + said));
        if (code != 1 || !said.contains(plainName)) {
            wrong.incrementAndGet();
            notes.add("fs-client upload " + z + " exited " + code + " (must be 1, naming " + plainName + ")"
                    + (said.isEmpty() ? "" : ": " + said));
        } else {
            notes.add("fs-client upload " + z + " refused, exit 1: " + said);
        }
        fromEveryNode(plainName, plainSha, "after the upload of " + z + ", GET " + plainName, notes);

        err.reset();
        code = ClientCli.run(new String[] {"rm", z, live.get(2).ip}, new PrintStream(OutputStream.nullOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        log("  fs-client rm " + z + ": exit " + code + " " + err.toString(StandardCharsets.UTF_8).trim());
        fromEveryNode(plainName, plainSha, "after fs-client rm " + z + ", GET " + plainName, notes);

        String y = "y-" + seq.incrementAndGet();
        byte[] yBody = randomBytes(2 * (int) BIG_CHUNK + 1, 3 * (int) BIG_CHUNK);
        Path yFile = Files.write(dir.resolve(y), yBody);
        code = ClientCli.run(new String[] {"upload", yFile.toString(), live.get(1).ip, "--name", y, "--chunk-size",
                Long.toString(BIG_CHUNK), "--quiet"}, new PrintStream(OutputStream.nullOutputStream()),
                new PrintStream(OutputStream.nullOutputStream()));
        if (code != 0) {
            wrong.incrementAndGet();
            notes.add("fs-client upload " + y + " exited " + code);
        } else {
            remember(y, yBody, BIG_CHUNK);
            String chunk = Manifest.chunkName(y, 1);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + live.get(0).ip + ":5058/" + chunk))
                    .timeout(Duration.ofSeconds(15)).PUT(HttpRequest.BodyPublishers.ofByteArray(randomBytes(1, 4096))).build(),
                    HttpResponse.BodyHandlers.ofString());
            java.util.regex.Matcher said409 = java.util.regex.Pattern.compile("Message: ([^<]*)").matcher(r.body());
            log("  PUT /" + chunk + " (a live chunk of " + y + "): HTTP " + r.statusCode()
                    + (said409.find() ? ", " + said409.group(1) : ""));
            if (r.statusCode() != 409) {
                wrong.incrementAndGet();
                notes.add("PUT /" + chunk + ", a live chunk of " + y + ": HTTP " + r.statusCode() + ", not 409");
            }
            fromEveryNode(y, Set.of(sha256(yBody)), "after PUT /" + chunk + ", GET " + y, notes);
        }
        Files.delete(zFile);
        Files.delete(yFile);
        return Fault.instant();
    }

    /**
     * skew: 20 names owned by one node are written; the node is killed -9, its data directory
     * wiped, and it rejoins under libfaketime an hour behind (checked from its own log's clock);
     * the moment its predecessor routes its keys to it again, a new version of each is written,
     * all at once (half through it, half through its predecessor). After repair every
     * acknowledged write must read back: a version issued from the slow clock must still win
     * over the older copies.
     * The writer waits from before the first versions until the new ones are written: a node's
     * clock also moves past every version it stores, so under the writer's stream of copies
     * the rejoined node's clock soon caught up and the old code got away with it; a quiet ring
     * is where a slow clock shows, and the new versions race only the node's hand-over.
     */
    private Fault skew(List<Node> live, List<String> notes) throws Exception {
        Path lib = libfaketime();
        if (lib == null) {
            wrong.incrementAndGet();   // a skip is not a pass
            notes.add("SKIPPED: faketime (libfaketime) is not installed (Debian: apt-get install faketime; .ci/run installs it)");
            return Fault.instant();
        }
        Node v = live.stream().filter(x -> x.wrap.isEmpty()).findFirst().orElseThrow();
        List<NodeRef> ring = ringQuery.members(new InetSocketAddress(v.ip, 5057));
        int i = 0;
        while (!ring.get(i).ip().equals(v.ip)) {
            i++;
        }
        NodeRef self = ring.get(i);
        NodeRef pred = ring.get((i + ring.size() - 1) % ring.size());
        Node before = live.stream().filter(x -> x.ip.equals(pred.ip())).findFirst().orElseThrow();
        List<String> names = new ArrayList<>();
        String stem = "skew-" + seq.incrementAndGet() + "-";
        for (int k = 0; names.size() < SKEW_FILES; k++) {
            if (Ring.inOpenClosed(Keys.key(stem + k), pred.id(), self.id())) {
                names.add(stem + k);
            }
        }
        List<String> skewed = List.of("env", "LD_PRELOAD=" + lib, FAKETIME);
        Node slow = v.again(skewed, v.extra);
        long launched;
        long rejoined;
        boolean routed;
        AtomicInteger second = new AtomicInteger();
        List<String> refusals = new CopyOnWriteArrayList<>();
        writerHeld = true;
        try {
            Thread.sleep(1_000);   // an upload of the writer's in flight ends
            int first = 0;
            for (String nm : names) {
                first += upload(before, nm, randomBytes(1, (int) WRITER_CHUNK)) == null ? 1 : 0;
            }
            log("  " + first + "/" + names.size() + " files owned by " + v.ip + " written");

            kill9(v);
            v.process.waitFor();
            nodes.remove(v);
            StorageBench.deleteTree(v.dataDir);
            Files.createDirectories(v.dataDir);
            waitRing(alive().size(), 90_000);
            launch(slow, before.ip);
            launched = System.currentTimeMillis();
            InetSocketAddress probe = new InetSocketAddress(before.ip, 5057);
            long key = Keys.key(names.get(0));
            routed = waitFor(() -> {
                try {
                    return ringQuery.node(probe, ChordNode.FIND_SUCCESSOR, List.of(key)).ip().equals(v.ip);
                } catch (IOException e) {
                    return false;
                }
            }, 60_000);
            rejoined = System.currentTimeMillis();
            List<Thread> writers = new ArrayList<>();
            for (int k = 0; k < names.size(); k++) {
                Node via = k % 2 == 0 ? slow : before;
                String nm = names.get(k);
                Thread t = new Thread(() -> {
                    String refused = upload(via, nm, randomBytes(1, (int) WRITER_CHUNK));
                    if (refused == null) {
                        second.incrementAndGet();
                    } else {
                        refusals.add("the new version of " + nm + " through " + via.ip + " was refused (" + refused
                                + "); the old one must stay");
                    }
                }, "skew-writer-" + k);
                t.start();
                writers.add(t);
            }
            for (Thread t : writers) {
                t.join(120_000);
            }
        } finally {
            writerHeld = false;
        }
        notes.addAll(refusals);
        if (!routed) {
            notes.add(pred.ip() + " still routed " + v.ip + "'s keys elsewhere 60 s after its start; the new versions went there");
        }
        log("  " + v.ip + " rejoined " + (rejoined - launched) + " ms after its start; " + second.get() + "/" + names.size()
                + " new versions acknowledged within " + (System.currentTimeMillis() - rejoined) + " ms");
        waitRing(alive().size(), 90_000);

        Long behind = clockOffsetMs(slow, launched);
        String clock = behind == null ? "no timestamped line in its log" : String.format(Locale.ROOT, "%+.0f s", behind / 1000.0);
        if (behind == null || Math.abs(behind + 3_600_000) > 300_000) {
            wrong.incrementAndGet();
            notes.add(v.ip + " under libfaketime (" + FAKETIME + "), but its clock was not an hour behind (" + clock + ")");
        }
        notes.add(v.ip + " wiped and restarted under libfaketime, " + FAKETIME + " (its log's clock: " + clock
                + "); " + second.get() + "/" + names.size() + " writes to its names acknowledged right as it rejoined");
        return new Fault(rejoined, null, 0);
    }

    // ---------------------------------------------------------------- outsiders (issue 15)

    /**
     * intruder, on a ring whose members share a cluster secret, while the writer goes on. Three
     * nodes without the secret join through members ({@code run --join}) with ids right after an
     * acknowledged file's key: had they become members they would be the whole replica set of every
     * key from the member before it, the members would drop their copies, and the kill -9 of them
     * would lose those files, as it lost 9 of 40 on the code before issue 15. A node with another
     * secret tries to join too. Once the intruders think they joined (they have a successor, which
     * the open read-only methods give them), they run beside the ring for {@link #INTRUDER_HOLD_MS};
     * then every acknowledged file is read back with them still running; then for {@link #FORGE_MS},
     * every {@link #FORGE_EVERY_MS}, forged goodbyes tell each member that each other member left
     * with it as its only successor ({@code chordfs_leave} with the table's 3 parameters, and with a
     * made-up proof as a 4th; on that code they split the ring for good), and bare {@code notify}s
     * offer each member an intruder, and a node just before itself, as its predecessor; right after
     * the last of them the outsiders are killed -9 (so that none is left to mend a split). Every
     * member's ring walk is watched from the intruders' join to their end. The members must be one
     * ring of exactly themselves all along and after; no outsider may hold a file, and no member's
     * log may name one but to say it ignored it.
     */
    private Fault intruder(List<Node> live, List<String> notes) throws Exception {
        if (secret == null) {
            throw new IllegalStateException("the intruder scenario runs on a ring with a cluster secret");
        }
        List<Node> members = List.copyOf(live);
        Map<String, NodeRef> refs = new LinkedHashMap<>();
        for (Node m : members) {
            refs.put(m.ip, ringQuery.node(new InetSocketAddress(m.ip, 5057), ChordNode.GET_INFO, List.of()));
        }
        // A file acknowledged so far, and the arc the intruders right after its key would own.
        List<String> names = new ArrayList<>(acked.keySet());
        String target = names.get(ThreadLocalRandom.current().nextInt(names.size()));
        long key = Keys.key(target);
        long from = key;   // the member before the key: the arc is (from, key + INTRUDERS]
        long gap = Ring.SIZE;
        for (NodeRef r : refs.values()) {
            long d = Ring.distance(r.id(), key);
            if (d > 0 && d < gap) {
                gap = d;
                from = r.id();
            }
        }
        long arcFrom = from;
        long arcTo = Ring.add(key, INTRUDERS);
        long inArc = acked.keySet().stream().filter(nm -> Ring.inOpenClosed(Keys.key(nm), arcFrom, arcTo)).count();

        List<Node> outsiders = new ArrayList<>();
        List<NodeRef> intruders = new ArrayList<>();
        for (int k = 1; k <= INTRUDERS; k++) {
            long id = Ring.add(key, k);
            Node x = outsider(List.of("--id", Long.toString(id)), members.get(k % members.size()).ip);
            outsiders.add(x);
            intruders.add(new NodeRef(x.ip, 5057, id));
        }
        byte[] other = new byte[16];
        ThreadLocalRandom.current().nextBytes(other);
        Node wrongSecret = outsider(List.of("--cluster-secret", HexFormat.of().formatHex(other)), members.get(0).ip);
        outsiders.add(wrongSecret);
        log("  " + INTRUDERS + " nodes without the secret at ids " + Ring.add(key, 1) + ".." + arcTo + ", right after the key of "
                + target + " (" + key + "; the arc (" + arcFrom + ", " + arcTo + "] holds " + inArc
                + " acknowledged files), and " + wrongSecret.ip + " with another secret");
        // The attack holds from the moment the intruders think they joined: a successor other than themselves.
        long started = System.currentTimeMillis();
        boolean joined = waitFor(() -> outsiders.stream().filter(x -> x != wrongSecret).allMatch(x -> {
            try {
                return !ringQuery.node(new InetSocketAddress(x.ip, 5057), ChordNode.GET_SUCCESSOR, List.of()).ip().equals(x.ip);
            } catch (IOException e) {
                return false;
            }
        }), 60_000);
        long joinedMs = System.currentTimeMillis() - started;
        log("  the intruders " + (joined ? "have a successor (they think they joined) " + joinedMs + " ms after their start"
                : "still have no successor " + joinedMs + " ms after their start"));

        // Every member's ring walk, from now until the outsiders are gone: exactly the members, or what it was instead.
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicInteger[] walks = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};   // walks, not the members, failed
        List<String> odd = new CopyOnWriteArrayList<>();
        Thread watch = new Thread(() -> {
            while (watching.get()) {
                for (Node m : members) {
                    String why = notTheMembers(m, members);
                    walks[0].incrementAndGet();
                    if (why != null) {
                        walks[why.contains(" failed: ") ? 2 : 1].incrementAndGet();
                        if (odd.size() < 3) {
                            odd.add(why);
                            log("  " + why);
                        }
                    }
                }
                sleep(500);
            }
        }, "ring-watch");
        watch.setDaemon(true);
        watch.start();

        return Fault.lasting(() -> {
            // What the outsiders think, and hold; every file read back with them running.
            List<String> seen = new ArrayList<>();
            int held = 0;
            for (Node x : outsiders) {
                String succ;
                try {
                    succ = "successor " + ringQuery.node(new InetSocketAddress(x.ip, 5057), ChordNode.GET_SUCCESSOR, List.of()).ip();
                } catch (IOException e) {
                    succ = "no successor to tell (" + e.getMessage() + ")";
                }
                List<String> files = filesOn(x);
                held += files.size();
                seen.add(x.ip + (x == wrongSecret ? " (another secret)" : "") + ": " + (x.process.isAlive() ? "running" : "exited "
                        + x.process.exitValue()) + ", " + succ + ", " + files.size() + " files"
                        + (files.isEmpty() ? "" : " (" + String.join(", ", files.subList(0, Math.min(3, files.size()))) + ", ...)"));
            }
            log("  outsiders after " + INTRUDER_HOLD_MS / 1000 + " s beside the ring: " + seen);
            int readWhile = acked.size();
            int unread = checkAll(notes);
            lostInFault += unread;

            // Forged goodbyes and bare notifies from an in-bench msgpack-rpc client (no secret), then the kill -9.
            AtomicInteger[] forged = forge(refs, intruders);
            for (Node x : outsiders) {
                kill9(x);
                x.process.waitFor();
            }
            watching.set(false);
            watch.join();
            // One ring of exactly the members again (a ring split for good stays split).
            String[] split = {null};
            boolean one = waitFor(() -> (split[0] = notTheMembers(members)) == null, 30_000);
            List<String> mentions = memberLogsMentioning(members, outsiders);
            long arcNow = acked.keySet().stream().filter(nm -> Ring.inOpenClosed(Keys.key(nm), arcFrom, arcTo)).count();

            int bad = 0;
            if (walks[1].get() > 0) {
                bad++;
                notes.add("WRONG: " + walks[1] + " of " + walks[0] + " walks from members while the outsiders ran were not exactly the "
                        + members.size() + " members, e.g. " + odd);
            }
            if (!one) {
                bad++;
                notes.add("WRONG: the members are not one ring of themselves 30 s after the kill -9: " + split[0]);
            }
            if (held > 0) {
                bad++;
                notes.add("WRONG: the outsiders held " + held + " files");
            }
            if (!mentions.isEmpty()) {
                bad++;
                notes.add("WRONG: " + mentions.size() + " lines of the members' logs name an outsider other than to ignore it, e.g. "
                        + mentions.subList(0, Math.min(3, mentions.size())));
            }
            if (!joined) {
                bad++;
                notes.add("WRONG: the intruders never had a successor: nothing tested");
            }
            wrong.addAndGet(bad);
            notes.add(String.format(Locale.ROOT, "%d nodes without the secret at ids right after the key of %s (the arc they "
                            + "would own held %d acknowledged files by then), 1 with another secret, %s; %d forged calls in %d s "
                            + "(chordfs_leave with 3 parameters and with a made-up proof, bare notify): %d error answers, %d "
                            + "unanswered; %s; %d files on the outsiders; the %d acknowledged files read back with them running: "
                            + "%d lost; %s after their kill -9",
                    INTRUDERS, target, arcNow, joined ? "thinking they joined " + joinedMs / 1000 + " s after their start, then "
                            + INTRUDER_HOLD_MS / 1000 + " s beside the ring" : "NOT JOINED within 60 s",
                    forged[0].get(), FORGE_MS / 1000, forged[1].get(), forged[2].get(),
                    walks[1].get() == 0 ? "every walk from a member (" + walks[0] + ") was exactly the " + members.size() + " members"
                            + (walks[2].get() > 0 ? " or failed (" + walks[2] + ")" : "")
                            : walks[1] + " of " + walks[0] + " walks from members were not",
                    held, readWhile, unread, one ? "one ring of the " + members.size() + " members" : "NOT one ring"));
            notes.add("outsiders before the forged calls and the kill -9: " + seen);
            if (walks[2].get() > 0) {
                notes.add(walks[2] + " walks from members failed while the outsiders ran, e.g. " + odd);
            }
        }, INTRUDER_HOLD_MS);
    }

    /**
     * For {@link #FORGE_MS}, every {@link #FORGE_EVERY_MS}: each member is told that each other member
     * left with it as its only successor (a goodbye with 3 parameters, and one with a made-up proof),
     * and offered an intruder, and a node just before itself, as its predecessor by a bare notify.
     * Returns how many calls were sent, answered with an error, not answered.
     */
    private AtomicInteger[] forge(Map<String, NodeRef> members, List<NodeRef> intruders) {
        AtomicInteger[] counts = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
        long end = System.currentTimeMillis() + FORGE_MS;
        while (System.currentTimeMillis() < end) {
            List<java.util.concurrent.CompletableFuture<Object>> calls = new ArrayList<>();
            for (NodeRef m : members.values()) {
                for (NodeRef left : members.values()) {
                    if (left.equals(m)) {
                        continue;
                    }
                    List<Object> bye = List.of(Wire.node(left), Wire.node(NodeRef.NONE), Wire.nodes(List.of(m)));
                    calls.add(forged(m, ChordNode.LEAVE, bye, counts));
                    List<Object> withProof = new ArrayList<>(bye);
                    withProof.add("v1." + System.currentTimeMillis() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                            + ".1.00");
                    calls.add(forged(m, ChordNode.LEAVE, withProof, counts));
                }
                calls.add(forged(m, ChordNode.NOTIFY, List.of(Wire.node(intruders.get(0))), counts));
                calls.add(forged(m, ChordNode.NOTIFY, List.of(Wire.node(new NodeRef(intruders.get(1).ip(), 5057,
                        Ring.add(m.id(), -1)))), counts));
            }
            // A round's calls all at once, then the next round.
            try {
                java.util.concurrent.CompletableFuture.allOf(calls.toArray(java.util.concurrent.CompletableFuture[]::new))
                        .get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                // each call counts its own end
            }
            sleep(FORGE_EVERY_MS);
        }
        return counts;
    }

    /** One forged call, sent without waiting: {@code counts} = sent, answered with an error, not answered. */
    private java.util.concurrent.CompletableFuture<Object> forged(NodeRef to, String method, List<Object> params,
            AtomicInteger[] counts) {
        counts[0].incrementAndGet();
        return rpc.call(to.address(), method, params, Duration.ofSeconds(2)).whenComplete((v, e) -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof io.chordfs.core.rpc.RpcError) {
                counts[1].incrementAndGet();
            } else if (cause != null) {
                counts[2].incrementAndGet();
            }
        });
    }

    /** A node that is no member: the writer and checker never use it; its end is the scenario's, not a death. */
    private Node outsider(List<String> extra, String join) throws IOException {
        String ip = prefix + nextIndex++;
        Path dir = Files.createDirectories(runDir.resolve(ip));
        Node x = newNode(ip, dir, List.of(), extra);
        x.outsider = true;
        x.intended = true;
        launch(x, join);
        return x;
    }

    /** Null when every member's ring walk is exactly the members; else the first that is not. */
    private String notTheMembers(List<Node> members) {
        for (Node m : members) {
            String why = notTheMembers(m, members);
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** Null when the ring walk from {@code m} ({@code fs-client ring}'s) is exactly the members; else what it was. */
    private String notTheMembers(Node m, List<Node> members) {
        Set<String> want = new java.util.TreeSet<>();
        members.forEach(x -> want.add(x.ip));
        try {
            List<String> walk = ringQuery.members(new InetSocketAddress(m.ip, 5057)).stream().map(NodeRef::ip).toList();
            return walk.size() == want.size() && want.containsAll(walk) ? null : "the walk from " + m.ip + ": " + walk;
        } catch (IOException e) {
            return "the walk from " + m.ip + " failed: " + e.getMessage();
        }
    }

    /** The files on a node's disk (objects, chunk objects, their metadata), but its store's lock file. */
    private static List<String> filesOn(Node x) throws IOException {
        try (Stream<Path> s = Files.walk(x.dataDir)) {
            return s.filter(Files::isRegularFile).map(p -> x.dataDir.relativize(p).toString())
                    .filter(p -> !p.equals(".chordfs/lock")).sorted().toList();
        }
    }

    /** The lines of the members' logs that name an outsider, but those saying the member ignored it. */
    private static List<String> memberLogsMentioning(List<Node> members, List<Node> outsiders) throws IOException {
        List<String> out = new ArrayList<>();
        for (Node m : members) {
            for (String line : Files.readAllLines(m.log)) {
                for (Node x : outsiders) {
                    if (line.contains(x.ip + ":") && !line.contains(" ignored ")) {
                        out.add(m.ip + ".log: " + line);
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** The first timestamp a node's (latest) start wrote to its log, less when it was started; null when none. */
    private static Long clockOffsetMs(Node x, long startedAt) throws IOException {
        List<String> lines = Files.readAllLines(x.log);
        int from = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("### ")) {
                from = i;
            }
        }
        for (String l : lines.subList(from, lines.size())) {
            if (l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* .*")) {
                long t = java.time.OffsetDateTime.parse(l.substring(0, l.indexOf(' '))).toInstant().toEpochMilli();
                return t - startedAt;
            }
        }
        return null;
    }

    /** libfaketime as Debian's libfaketime package (which faketime pulls in) installs it; null when it is not there. */
    private static Path libfaketime() {
        for (String dir : List.of("/usr/lib", "/usr/local/lib", "/usr/lib64")) {
            try (Stream<Path> s = Files.walk(Path.of(dir), 3)) {
                java.util.Optional<Path> lib = s.filter(p -> p.getFileName().toString().equals("libfaketime.so.1")).findFirst();
                if (lib.isPresent()) {
                    return lib.get();
                }
            } catch (IOException | UncheckedIOException e) {
                // no such directory, or one we may not read
            }
        }
        return null;
    }

    /**
     * GETs one name from the given nodes on two threads until stopped; each answer must be one of
     * the versions allowed when it was asked for.
     */
    private final class Readers {
        private volatile Set<String> allowed;
        private final AtomicBoolean on = new AtomicBoolean(true);
        private final AtomicInteger reads = new AtomicInteger();
        private final AtomicInteger bad = new AtomicInteger();
        private final List<String> problems = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new ArrayList<>();

        Readers(String name, List<Node> from, Set<String> allowed) {
            this.allowed = allowed;
            for (int i = 0; i < 2; i++) {
                Thread t = new Thread(() -> {
                    while (on.get()) {
                        Set<String> ok = this.allowed;
                        Node x = from.get(ThreadLocalRandom.current().nextInt(from.size()));
                        String why;
                        try {
                            why = get(x, name, ok);
                        } catch (IOException e) {
                            why = e + " from " + x.ip;
                        } catch (InterruptedException e) {
                            return;
                        }
                        reads.incrementAndGet();
                        if (why != null) {
                            bad.incrementAndGet();
                            if (problems.size() < 3) {
                                problems.add(why);
                            }
                        }
                    }
                }, "reader-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        void allow(Set<String> versions) {
            allowed = versions;
        }

        /** Stops the readers, adds their wrong answers to the round's and notes how many GETs {@code when} were {@code expected}. */
        void close(String when, String expected, List<String> notes) throws InterruptedException {
            stop();
            wrong.addAndGet(bad.get());
            String line = bad.get() == 0 ? reads.get() + " GETs " + when + ": all " + expected
                    : "WRONG: " + bad.get() + " of " + reads.get() + " GETs " + when + " not " + expected + ", e.g. " + problems;
            notes.add(line);
            log("  " + line);
        }

        void stop() throws InterruptedException {
            on.set(false);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }
    }

    /** A plain GET of a name from every live node: each must be one of {@code versions}; any other is a wrong answer, noted. */
    private void fromEveryNode(String name, Set<String> versions, String what, List<String> notes) {
        for (Node x : live()) {
            String why;
            try {
                why = get(x, name, versions);
            } catch (IOException e) {
                why = e + " from " + x.ip;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (why != null) {
                wrong.incrementAndGet();
                notes.add("WRONG " + what + ": " + why);
                log("  WRONG " + what + ": " + why);
            }
        }
    }

    /** Stored copies of exactly {@code size} bytes written since {@code since} on the running nodes' disks. */
    private int copiesSince(long since, long size) {
        int n = 0;
        for (Node x : alive()) {
            try (Stream<Path> s = Files.walk(x.dataDir)) {
                n += (int) s.filter(p -> {
                    try {
                        return Files.isRegularFile(p) && Files.size(p) == size && Files.getLastModifiedTime(p).toMillis() >= since;
                    } catch (IOException e) {
                        return false;   // renamed or removed meanwhile
                    }
                }).count();
            } catch (IOException | UncheckedIOException e) {
                // a directory went away under the walk: counted the next time
            }
        }
        return n;
    }

    /** POST /upload with one part "files" named {@code name}, as {@code curl -F files=@...} sends it; the status. */
    private int postForm(Node to, String name, byte[] body) throws IOException, InterruptedException {
        String b = StorageBench.boundary();
        byte[] head = StorageBench.partHead(b, name);
        byte[] tail = StorageBench.partTail(b);
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.write(head);
        form.write(body);
        form.write(tail);
        return http.send(HttpRequest.newBuilder(URI.create("http://" + to.ip + ":5058/upload")).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "multipart/form-data; boundary=" + b)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.toByteArray())).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /**
     * fs-client in a process of its own ({@code java -cp bench.jar io.chordfs.client.Main}), so it
     * can be killed -9; output appended to clients.log in the run directory, the upload journal
     * kept under it too ({@code XDG_CACHE_HOME}).
     */
    private Process startClient(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Tools.java(), "-cp", jar, "io.chordfs.client.Main"));
        cmd.addAll(Arrays.asList(args));
        Path out = runDir.resolve("clients.log");
        Files.writeString(out, "### " + Instant.now() + " fs-client " + String.join(" ", args) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        pb.environment().put("XDG_CACHE_HOME", runDir.resolve("cache").toString());
        return pb.start();
    }

    /** The exit code of a client process, or -1 (and it is killed) when it runs for more than 120 s. */
    private static int waitClient(Process p) throws InterruptedException {
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            return -1;
        }
        return p.exitValue();
    }

    /** Whether the node's log says it lost its last successor (it then is a ring of its own). */
    private static boolean alone(Node x) throws IOException {
        String self = x.ip + ":5057#";
        try (Stream<String> lines = Files.lines(x.log)) {
            return lines.anyMatch(l -> l.contains("; next is " + self));
        }
    }

    private static long du(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;   // removed meanwhile
                }
            }).sum();
        }
    }

    private void kill9(Node v) {
        v.intended = true;
        v.process.destroyForcibly();
        log("kill -9 " + v.ip + " (pid " + v.process.pid() + ")");
    }

    /**
     * Flips one random bit in up to {@code count} random stored files of a node (not under
     * .chordfs/): plain files and chunks, whose bytes the writer knows, not manifests.
     */
    private int flip(Node v, int count, List<String> notes) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(v.dataDir)) {
            files = new ArrayList<>(s.filter(Files::isRegularFile)
                    .filter(p -> stored.containsKey(p.getFileName().toString())).filter(p -> {
                try {
                    return Files.size(p) > 0;
                } catch (IOException e) {
                    return false;
                }
            }).toList());
        }
        Collections.shuffle(files);
        int done = 0;
        for (Path p : files.subList(0, Math.min(count, files.size()))) {
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                long at = ThreadLocalRandom.current().nextLong(f.length());
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ (1 << ThreadLocalRandom.current().nextInt(8)));
                done++;
                flipped.add(Map.entry(v, p));
                log("  flipped a bit at " + at + " of " + v.ip + "/" + p.getFileName());
            } catch (IOException e) {
                notes.add("could not flip " + p + ": " + e.getMessage());
            }
        }
        return done;
    }

    /** Reads each damaged file from the node holding the damaged copy: an error is fine, wrong bytes are not. */
    private void readDamaged(List<String> notes) {
        for (Map.Entry<Node, Path> f : flipped) {
            String name = f.getValue().getFileName().toString();
            String want = stored.get(name);
            try {
                HttpResponse<byte[]> r = fetch(f.getKey(), name);
                String got = r.statusCode() == 200 ? sha256(r.body()) : null;
                log("  GET " + name + " from " + f.getKey().ip + " (damaged copy): HTTP " + r.statusCode()
                        + (got == null ? "" : got.equals(want) ? ", correct bytes" : ", WRONG BYTES"));
                if (got != null && want != null && !got.equals(want)) {
                    lostInFault++;
                    notes.add("CORRUPT BYTES SERVED: " + name + " from " + f.getKey().ip);
                }
            } catch (IOException e) {
                log("  GET " + name + " from " + f.getKey().ip + " (damaged copy): " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether every flipped file is whole again on disk (repaired, or removed from a node that no longer replicates it). */
    private boolean flipsRepaired() {
        for (Map.Entry<Node, Path> f : flipped) {
            Path p = f.getValue();
            String want = stored.get(p.getFileName().toString());
            try {
                if (Files.exists(p) && want != null && !sha256(Files.readAllBytes(p)).equals(want)) {
                    return false;
                }
            } catch (IOException e) {
                // it is being replaced right now
                return false;
            }
        }
        return true;
    }

    /** Brings the ring back to N live nodes: starts replacements, or takes an extra one out gracefully. */
    private void restoreRing(int n, List<String> notes) throws Exception {
        nodes.removeIf(x -> x.intended && !x.process.isAlive());
        while (alive().size() < n) {
            startNode(live().get(0).ip);
        }
        while (alive().size() > n) {
            Node extra = live().get(0);
            extra.intended = true;
            extra.process.destroy();
            log("SIGTERM " + extra.ip + " (back to " + n + " nodes)");
            if (!extra.process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                notes.add(extra.ip + " did not exit within 120 s of SIGTERM");
                extra.process.destroyForcibly();
            }
            nodes.remove(extra);
        }
        waitRing(n, 90_000);
        long ms = waitReplicated(System.currentTimeMillis());
        log("ring restored to " + n + " nodes; R copies " + (ms < 0 ? "NOT back" : "back after " + ms + " ms"));
        if (ms < 0) {
            notes.add("after restoring the ring, R copies not back within " + boundMs / 1000 + " s");
        }
    }

    // ---------------------------------------------------------------- writer and checker

    /**
     * Uploads files of 1 B to 64 KiB with {@code fs-client upload --chunk-size 16KiB} through random
     * nodes: most are chunked (up to 4 chunks and a manifest), the rest single objects.
     */
    private void writeLoop(AtomicBoolean writing, AtomicInteger roundAcked, AtomicInteger rejected) {
        while (writing.get()) {
            List<Node> live = live();
            if (live.isEmpty() || writerHeld) {
                sleep(100);
                continue;
            }
            Node target = live.get(ThreadLocalRandom.current().nextInt(live.size()));
            String name = "f-" + seq.incrementAndGet() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
            if (upload(target, name, randomBytes(1, 64 * 1024)) == null) {
                roundAcked.incrementAndGet();
            } else {
                rejected.incrementAndGet();
            }
        }
    }

    /**
     * One upload as the writer makes them (fs-client upload --chunk-size 16KiB); remembered when
     * acknowledged. Null then, else what fs-client said.
     */
    private String upload(Node target, String name, byte[] body) {
        Path dir = runDir.resolve("writer");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name);
            Files.write(file, body);
            int code = ClientCli.run(new String[] {"upload", file.toString(), target.ip, "--name", name,
                    "--chunk-size", Long.toString(WRITER_CHUNK), "--quiet"}, new PrintStream(OutputStream.nullOutputStream()),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            Files.delete(file);
            if (code == 0) {
                remember(name, body);
                return null;
            }
            return "exit " + code + ": " + err.toString(StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("the writer's own disk failed", e);
        }
    }

    private static byte[] randomBytes(int min, int max) {
        byte[] body = new byte[ThreadLocalRandom.current().nextInt(min, max)];
        ThreadLocalRandom.current().nextBytes(body);
        return body;
    }

    private void remember(String name, byte[] body) {
        remember(name, body, WRITER_CHUNK);
    }

    /** Records an acknowledged write of {@code name}: the file's SHA-256, and its stored objects' for the flips. */
    private void remember(String name, byte[] body, long chunkSize) {
        if (acked.containsKey(name)) {
            stored.keySet().removeIf(k -> k.equals(name) || k.startsWith(name + "_chunk_"));   // an earlier version's
        }
        if (body.length <= chunkSize) {
            stored.put(name, sha256(body));
        } else {
            for (int i = 0; i * chunkSize < body.length; i++) {
                int from = (int) (i * chunkSize);
                stored.put(Manifest.chunkName(name, i + 1),
                        sha256(Arrays.copyOfRange(body, from, (int) Math.min(body.length, from + chunkSize))));
            }
        }
        acked.put(name, sha256(body));
        writesAcked.incrementAndGet();
    }

    /**
     * Reads every acknowledged file back from random live nodes, alternately with a plain GET (the
     * node assembles chunked files) and with {@code fs-client download}; returns how many could
     * not be read intact.
     */
    private int checkAll(List<String> notes) {
        int lost = 0;
        int retried = 0;
        int index = 0;
        for (Map.Entry<String, String> e : new LinkedHashMap<>(acked).entrySet()) {
            boolean viaClient = index++ % 2 == 1;
            String why = null;
            boolean ok = false;
            for (int attempt = 0; attempt < 3 && !ok; attempt++) {
                if (attempt > 0) {
                    retried++;
                    notes.add("read of " + e.getKey() + " retried after: " + why);
                    log("  retrying " + e.getKey() + " after: " + why);
                    sleep(1000);
                }
                List<Node> live = live();
                Node from = live.get(ThreadLocalRandom.current().nextInt(live.size()));
                try {
                    why = viaClient ? download(from, e.getKey(), e.getValue()) : get(from, e.getKey(), e.getValue());
                    ok = why == null;
                } catch (IOException ex) {
                    why = ex + " from " + from.ip;
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return lost;
                }
            }
            if (!ok) {
                lost++;
                notes.add("LOST " + e.getKey() + ": " + why);
                log("LOST " + e.getKey() + ": " + why);
            }
        }
        if (retried > 0) {
            notes.add(retried + " reads needed a retry");
        }
        log("read back " + acked.size() + " acknowledged files: " + lost + " lost");
        return lost;
    }

    private HttpResponse<byte[]> fetch(Node from, String name) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + from.ip + ":5058/" + name))
                .timeout(Duration.ofSeconds(15)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A plain GET; null when the bytes are right, else what went wrong. */
    private String get(Node from, String name, String sha) throws IOException, InterruptedException {
        return get(from, name, List.of(sha));
    }

    /** A plain GET; null when the bytes are those of one of the versions {@code shas}, else what went wrong. */
    private String get(Node from, String name, Collection<String> shas) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = fetch(from, name);
        if (r.statusCode() != 200) {
            return "HTTP " + r.statusCode() + " from " + from.ip;
        }
        return shas.contains(sha256(r.body())) ? null
                : "wrong bytes from " + from.ip + " (" + r.body().length + " bytes, sha256 " + sha256(r.body()).substring(0, 12) + ")";
    }

    /** {@code fs-client download}; null when it succeeds with the right bytes, else what went wrong. */
    private String download(Node from, String name, String sha) throws IOException {
        Path out = runDir.resolve("checker").resolve(name);
        Files.createDirectories(out.getParent());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ClientCli.run(new String[] {"download", name, from.ip, "-o", out.toString(), "--quiet"},
                new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        if (code != 0) {
            return "fs-client download via " + from.ip + " exited " + code + ": " + err.toString(StandardCharsets.UTF_8).trim();
        }
        try {
            return sha256(Files.readAllBytes(out)).equals(sha) ? null : "fs-client download via " + from.ip + " gave wrong bytes";
        } finally {
            Files.delete(out);
        }
    }

    /** Polls {@code fs-client fsck} until it passes; ms since {@code from}, or -1 past the bound. */
    private long waitReplicated(long from) {
        long deadline = System.currentTimeMillis() + boundMs;
        String lastErr = "";
        while (System.currentTimeMillis() < deadline) {
            List<Node> live = live();
            Node at = live.get(ThreadLocalRandom.current().nextInt(live.size()));
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = ClientCli.run(new String[] {"fsck", at.ip, "--quiet"}, new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            if (code == 0 && flipsRepaired()) {
                flipped.clear();
                return Math.max(0, System.currentTimeMillis() - from);
            }
            lastErr = code == 0 ? "fsck passes but a flipped copy is still damaged on disk" : err.toString(StandardCharsets.UTF_8).trim();
            sleep(500);
        }
        log("fsck still failing: " + lastErr);
        return -1;
    }

    // ---------------------------------------------------------------- processes

    private Node startNode(String join) throws Exception {
        String ip = prefix + nextIndex++;
        Path dir = runDir.resolve(ip);
        Files.createDirectories(dir);
        Node x = newNode(ip, dir, List.of(), List.of());
        launch(x, join != null ? join : nodes.isEmpty() ? null : alive().get(0).ip);
        return x;
    }

    /** A node in the host namespace gets its address there first when the ring lives on the namespace's /24. */
    private Node newNode(String ip, Path dir, List<String> wrap, List<String> extra) throws IOException {
        if (netns != null && wrap.isEmpty()) {
            netns.addHostAddress(ip);
        }
        return new Node(ip, dir, runDir.resolve(ip + ".log"), wrap, extra);
    }

    private void launch(Node x, String join) throws IOException {
        List<String> cmd = new ArrayList<>(x.wrap);
        cmd.addAll(List.of(Tools.java(), "-cp", jar, "io.chordfs.node.Main", "run", "--ip", x.ip, "--data-dir", x.dataDir.toString(),
                "--repair-ms", "1000", "--stabilize-ms", "200"));
        cmd.addAll(x.extra);
        if (join != null) {
            cmd.add("--join");
            cmd.add(join);
        }
        Files.writeString(x.log, "### " + Instant.now() + " " + String.join(" ", cmd) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(x.log.toFile()));
        // The checks read the nodes' INFO lines (bench.jar's logback.xml keeps the bench itself to warnings).
        pb.environment().put("CHORDFS_LOG_LEVEL", "INFO");
        // The secret goes through the environment, so that neither the log's command line nor ps shows it;
        // an outsider gets none but what its own options say.
        if (x.outsider) {
            pb.environment().remove("CHORDFS_CLUSTER_SECRET");
        } else if (secret != null) {
            pb.environment().put("CHORDFS_CLUSTER_SECRET", secret);
        }
        x.process = pb.start();
        nodes.add(x);
        log("started " + (x.outsider ? "outsider " : "") + x.ip + " (pid " + x.process.pid() + ")"
                + (join == null ? ", new ring" : ", joining " + join) + (x.extra.isEmpty() ? "" : " " + String.join(" ", x.extra)));
    }

    /** Running, not paused, and already seen in the ring. */
    private List<Node> live() {
        List<Node> l = new ArrayList<>();
        for (Node x : alive()) {
            if (x.ready) {
                l.add(x);
            }
        }
        return l;
    }

    /** Running members, not paused (outsiders are no members). */
    private List<Node> alive() {
        List<Node> l = new ArrayList<>();
        for (Node x : nodes) {
            if (x.process.isAlive() && !x.paused && !x.outsider) {
                l.add(x);
            }
        }
        return l;
    }

    /** Waits until every live node's {@code fs-client ring} walk sees {@code n} members. */
    private void waitRing(int n, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            boolean whole = alive().size() == n;
            for (Node x : alive()) {
                if (!whole) {
                    break;
                }
                try {
                    int members = ringQuery.members(new InetSocketAddress(x.ip, 5057)).size();
                    last = x.ip + ": " + members + " nodes";
                    whole = members == n;
                } catch (IOException e) {
                    last = x.ip + ": " + e.getMessage();
                    whole = false;
                }
            }
            if (whole) {
                alive().forEach(x -> x.ready = true);
                return;
            }
            for (Node x : nodes) {
                if (!x.intended && !x.process.isAlive()) {
                    throw new IllegalStateException("node " + x.ip + " died while the ring formed; see " + x.log);
                }
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException("the ring did not reach " + n + " nodes in " + timeoutMs + " ms (last: " + last + ")");
    }

    /** Kills every node, then unmounts the small disks and removes the namespace; safe to call twice. */
    private synchronized void cleanup() {
        FaultsBench other = secretRing;
        if (other != null) {
            other.cleanup();
        }
        for (Node x : nodes) {
            if (x.process != null && x.process.isAlive()) {
                x.process.destroyForcibly();   // works on a stopped process too
            }
        }
        for (Node x : nodes) {
            try {
                if (x.process != null) {
                    x.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        rpc.close();
        smallDisks.forEach(SmallDisk::close);
        smallDisks.clear();
        if (netns != null) {
            netns.close();
        }
    }

    // ---------------------------------------------------------------- output and helpers

    private static void printTable(List<Row> rows) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-10s %6s %7s %5s %6s %22s %11s%n", "SCENARIO", "ROUNDS", "ACKED", "LOST", "WRONG",
                "TIME TO R COPIES (MAX)", "UNEXPECTED");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-10s %6d %7d %5d %6d %22s %11d%n", r.scenario(), r.rounds(), r.acked(), r.lost(),
                    r.wrong(),
                    r.replMaxMs() == Long.MAX_VALUE ? "NOT BACK" : String.format(Locale.ROOT, "%.1f s", r.replMaxMs() / 1000.0),
                    r.deaths());
        }
        for (Row r : rows) {
            for (String note : r.notes()) {
                System.out.println("  " + r.scenario() + ": " + note);
            }
        }
    }

    private interface Cond {
        boolean test();
    }

    private static boolean waitFor(Cond c, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (c.test()) {
                return true;
            }
            sleep(100);
        }
        return c.test();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void log(String s) {
        System.out.println("[" + Instant.now().toString().substring(11, 19) + "] " + s);
    }
}
